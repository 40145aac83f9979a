package dev.longtune.context.longlora;

import dev.longtune.api.AttentionPattern;
import dev.longtune.api.ContextExtension;
import dev.longtune.api.RopeParameters;
import dev.longtune.api.RopeScaling;
import dev.longtune.context.linear.LinearScaling;
import dev.longtune.context.linear.LinearScalingOptions;
import java.util.List;
import java.util.Map;

/**
 * LongLoRA (Chen et al. 2023; numerics spec C): Position Interpolation by {@code factor}, shifted sparse attention
 * (S²-Attn) while training, full causal attention at inference, and the embeddings and norms trained next to the
 * LoRA adapter.
 *
 * <p>Everything about positions is delegated to {@link LinearScaling} with the same factor: at inference a LongLoRA
 * model is exactly a linearly scaled model (LongLoRA's eval scripts load it with
 * {@code rope_scaling = {"type": "linear"}}), so the frequencies, the declared length and the exported
 * {@code rope_scaling} are linear's, and an exported model reloads through {@code linear}.
 *
 * <p>Supports every architecture: the attention patterns are a contract of the architecture (an architecture that
 * does not implement {@link AttentionPattern.ShiftedSparse} must fail loudly when asked for it), so refusing here by
 * name would only duplicate, and go stale against, knowledge this plugin does not own.
 */
public final class LongLora implements ContextExtension {

    private final LongLoraOptions options;
    private final LinearScaling positions;

    public LongLora(LongLoraOptions options) {
        this.options = options;
        this.positions = new LinearScaling(new LinearScalingOptions(options.factor(),
                options.originalMaxPositionEmbeddings()));
    }

    public LongLoraOptions options() {
        return options;
    }

    @Override
    public String name() {
        return LongLoraFactory.NAME;
    }

    @Override
    public RopeScaling ropeScaling(RopeParameters rope) {
        return positions.ropeScaling(rope);
    }

    @Override
    public int extendedMaxPositions(int originalMaxPositions) {
        return positions.extendedMaxPositions(originalMaxPositions);
    }

    /** Linear's: {@code {"rope_type": "linear", "type": "linear", "factor": f, ...}}. */
    @Override
    public Map<String, Object> hfRopeScaling(RopeParameters rope) {
        return positions.hfRopeScaling(rope);
    }

    /** S²-Attn in training; plain causal attention otherwise, as LongLoRA evaluates ({@code use_full=True}). */
    @Override
    public AttentionPattern attention(boolean training) {
        return training ? new AttentionPattern.ShiftedSparse(options.groupSizeRatio(), options.wrap())
                : AttentionPattern.CAUSAL;
    }

    @Override
    public List<String> trainableParameters() {
        return options.trainableParamList();
    }
}
