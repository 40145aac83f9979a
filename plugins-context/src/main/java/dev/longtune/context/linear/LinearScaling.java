package dev.longtune.context.linear;

import dev.longtune.api.ContextExtension;
import dev.longtune.api.RopeParameters;
import dev.longtune.api.RopeScaling;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Position Interpolation (numerics spec B.1): every inverse frequency is divided by {@code factor}, which is the same
 * as dividing every position by it, so an extended position {@code p} is rotated exactly like position
 * {@code p / factor} of the pretrained model. The attention factor stays 1.
 */
public final class LinearScaling implements ContextExtension {

    private final LinearScalingOptions options;

    public LinearScaling(LinearScalingOptions options) {
        this.options = options;
    }

    public LinearScalingOptions options() {
        return options;
    }

    @Override
    public String name() {
        return LinearScalingFactory.NAME;
    }

    @Override
    public RopeScaling ropeScaling(RopeParameters rope) {
        float[] scaled = scaledInverseFrequencies(rope, options.factor());
        // Static strategy: the sequence length does not matter, and the default attention factor (1) is right.
        return sequenceLength -> scaled.clone();
    }

    /**
     * {@code inv_freq[i] / factor}. The division is done in float32, like transformers' {@code inv_freq /= factor}
     * on an fp32 tensor.
     */
    static float[] scaledInverseFrequencies(RopeParameters rope, double factor) {
        float[] inv = rope.defaultInverseFrequencies();
        float f = (float) factor;
        for (int i = 0; i < inv.length; i++) {
            inv[i] = inv[i] / f;
        }
        return inv;
    }

    /**
     * {@code round(L0 * factor)}, where L0 is {@code original_max_position_embeddings} when the options give it (it
     * names the pretrained length) and otherwise the model's own {@code max_position_embeddings}.
     */
    @Override
    public int extendedMaxPositions(int originalMaxPositions) {
        int pretrained = options.originalMaxPositionEmbeddings() != null
                ? options.originalMaxPositionEmbeddings()
                : originalMaxPositions;
        return Math.toIntExact(Math.round(pretrained * options.factor()));
    }

    @Override
    public Map<String, Object> hfRopeScaling(RopeParameters rope) {
        Map<String, Object> out = new LinkedHashMap<>();
        // Both spellings on purpose: transformers >= 4.45 reads "rope_type", older releases (and the LongLoRA
        // checkpoints people still load with them) read only "type"; newer releases fall back from one to the other.
        out.put("rope_type", LinearScalingFactory.NAME);
        out.put("type", LinearScalingFactory.NAME);
        out.put("factor", options.factor());
        // The pretrained length, always: an exported config.json may carry the extended max_position_embeddings,
        // and without this key loading it again would extend it a second time (extendedMaxPositions above).
        // transformers' linear scaling does not read the key (recent releases log it as unrecognised, nothing more).
        out.put("original_max_position_embeddings", options.originalMaxPositionEmbeddings() != null
                ? options.originalMaxPositionEmbeddings()
                : rope.maxPositionEmbeddings());
        return out;
    }
}
