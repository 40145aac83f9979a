package dev.longtune.api;

import java.util.List;
import java.util.Map;

/**
 * A configured context-extension strategy, applied by a model architecture when it builds its rotary embedding and
 * its attention: a strategy changes positions ({@link #ropeScaling}), the attention pattern ({@link #attention}), or
 * both (LongLoRA: Position Interpolation plus shifted sparse attention in training).
 */
public interface ContextExtension {

    /** The factory name, e.g. {@code linear}. */
    String name();

    /** Whether this strategy can extend a model of this architecture ({@code llama}); checked at validate time. */
    default boolean supports(String architecture) {
        return true;
    }

    /** The rotary-embedding frequencies to use instead of the model's defaults. */
    RopeScaling ropeScaling(RopeParameters rope);

    /** {@code max_position_embeddings} of the extended model, given the original one. */
    int extendedMaxPositions(int originalMaxPositions);

    /**
     * The {@code rope_scaling} object written into an exported {@code config.json}, so Hugging Face transformers,
     * vLLM and Longtune load the extended model the same way.
     */
    Map<String, Object> hfRopeScaling(RopeParameters rope);

    /**
     * The attention pattern to use; {@code training} is {@link ForwardInput#training()}. Default: full causal
     * attention, always.
     */
    default AttentionPattern attention(boolean training) {
        return AttentionPattern.CAUSAL;
    }

    /**
     * Parameters this strategy needs trained besides what the fine-tuning method trains, as substrings of
     * Hugging Face parameter names (LongLoRA: {@code ["embed", "norm"]}, i.e. the embeddings and every norm). A
     * method honours these in addition to its own choice. Default: none.
     */
    default List<String> trainableParameters() {
        return List.of();
    }
}
