package dev.longtune.api;

import java.util.Map;

/**
 * A configured context-extension strategy, applied by a model architecture when it builds its rotary embedding.
 * Strategies that change attention rather than positions add default methods here in later API versions.
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
}
