package dev.longtune.context.yarn;

import dev.longtune.api.ContextExtension;
import dev.longtune.api.RopeParameters;
import dev.longtune.api.RopeScaling;
import dev.longtune.context.support.HfRopeScalingMap;
import dev.longtune.context.support.PretrainedLength;
import java.util.Map;

/**
 * YaRN (Peng et al. 2023; numerics spec B.3): per pair, high frequencies (many rotations within L0) keep their value,
 * low ones are divided by {@code factor} (Position Interpolation), with a linear ramp between {@code beta_fast} and
 * {@code beta_slow} rotations; cos and sin are multiplied by an attention factor ({@code 0.1·ln(factor) + 1} by
 * default) that compensates the flatter attention at long range.
 *
 * <p>L0 (the length the rotations are counted in) is {@code original_max_position_embeddings} from the options when
 * given, else the checkpoint's {@code max_position_embeddings}. This is the spec's choice (B.3, "which length is
 * L0"): newer transformers and the YaRN reference read {@code rope_scaling.original_max_position_embeddings};
 * transformers <= 4.46 used {@code max_position_embeddings}, which is the extended length in an exported checkpoint.
 * The factor is used as given (some transformers versions replace it by {@code max_position_embeddings / L0}; an
 * export by Longtune declares {@code round(L0·factor)} positions, so both readings agree whenever L0·factor is whole).
 *
 * <p>Any architecture with a rotary embedding is supported: the strategy only transforms {@link RopeParameters}.
 */
public final class Yarn implements ContextExtension {

    private final YarnOptions options;

    public Yarn(YarnOptions options) {
        this.options = options;
    }

    public YarnOptions options() {
        return options;
    }

    @Override
    public String name() {
        return YarnFactory.NAME;
    }

    @Override
    public RopeScaling ropeScaling(RopeParameters rope) {
        float[] inv = YarnFrequencies.inverseFrequencies(options, rope, pretrained(rope.maxPositionEmbeddings()));
        float attentionFactor = (float) YarnFrequencies.attentionFactor(options);
        return new RopeScaling() {
            @Override
            public float[] inverseFrequencies(int sequenceLength) {
                return inv.clone(); // static: YaRN does not depend on the sequence length
            }

            @Override
            public float attentionFactor() {
                return attentionFactor;
            }
        };
    }

    private int pretrained(int modelMaxPositions) {
        return PretrainedLength.of(options.originalMaxPositionEmbeddings(), modelMaxPositions);
    }

    /** {@code round(L0·factor)}, never below the checkpoint's own length. */
    @Override
    public int extendedMaxPositions(int originalMaxPositions) {
        return PretrainedLength.extended(originalMaxPositions, pretrained(originalMaxPositions), options.factor());
    }

    /**
     * Every key that changes the result: factor, L0 (always, so a reload does not read the extended
     * {@code max_position_embeddings} as L0), beta_fast/beta_slow; {@code truncate} only when false (transformers
     * <= 4.46 does not know the key and always truncates); attention_factor / mscale / mscale_all_dim only when set.
     */
    @Override
    public Map<String, Object> hfRopeScaling(RopeParameters rope) {
        Map<String, Object> out = HfRopeScalingMap.ofType(YarnFactory.NAME);
        out.put("factor", options.factor());
        out.put("original_max_position_embeddings", pretrained(rope.maxPositionEmbeddings()));
        out.put("beta_fast", options.betaFast());
        out.put("beta_slow", options.betaSlow());
        if (!options.truncate()) {
            out.put("truncate", false);
        }
        HfRopeScalingMap.putIfSet(out, "attention_factor", options.attentionFactor());
        HfRopeScalingMap.putIfSet(out, "mscale", options.mscale());
        HfRopeScalingMap.putIfSet(out, "mscale_all_dim", options.mscaleAllDim());
        return out;
    }
}
