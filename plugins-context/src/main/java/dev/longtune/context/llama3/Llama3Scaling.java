package dev.longtune.context.llama3;

import dev.longtune.api.ContextExtension;
import dev.longtune.api.RopeParameters;
import dev.longtune.api.RopeScaling;
import dev.longtune.context.support.HfRopeScalingMap;
import dev.longtune.context.support.PretrainedLength;
import java.util.Map;

/**
 * Llama 3.1's frequency-dependent scaling (transformers {@code _compute_llama3_parameters}, numerics spec B.5). With
 * {@code λ = 2π/inv}, {@code λ_low = L0/low_freq_factor} and {@code λ_high = L0/high_freq_factor}:
 * <ul>
 *   <li>{@code λ < λ_high} (many rotations in L0): kept;
 *   <li>{@code λ > λ_low} (less than low_freq_factor rotations): divided by {@code factor};
 *   <li>otherwise (bounds inclusive): {@code (1-s)·inv/factor + s·inv} with
 *       {@code s = (L0/λ - low_freq_factor)/(high_freq_factor - low_freq_factor)}, continuous at both ends.
 * </ul>
 * The attention factor is 1. Computed in double and rounded to float once (transformers works on fp32 tensors; the
 * spec's worked example matches bit for bit and its Llama 3.1 numbers to float precision). The llama architecture no
 * longer reads {@code rope_scaling} itself, so a Llama 3.1 checkpoint gets exactly these frequencies through the host.
 *
 * <p>Any architecture with a rotary embedding is supported: the strategy only transforms {@link RopeParameters}.
 */
public final class Llama3Scaling implements ContextExtension {

    private final Llama3ScalingOptions options;

    public Llama3Scaling(Llama3ScalingOptions options) {
        this.options = options;
    }

    public Llama3ScalingOptions options() {
        return options;
    }

    @Override
    public String name() {
        return Llama3ScalingFactory.NAME;
    }

    @Override
    public RopeScaling ropeScaling(RopeParameters rope) {
        float[] inv = scaledInverseFrequencies(rope, options);
        return sequenceLength -> inv.clone(); // static, attention factor 1
    }

    static float[] scaledInverseFrequencies(RopeParameters rope, Llama3ScalingOptions o) {
        double factor = o.factor();
        double low = o.lowFreqFactor();
        double high = o.highFreqFactor();
        double l0 = o.originalMaxPositionEmbeddings();
        double lowFreqWavelen = l0 / low;
        double highFreqWavelen = l0 / high;
        float[] inv = rope.defaultInverseFrequencies();
        for (int i = 0; i < inv.length; i++) {
            double f = inv[i];
            double wavelen = 2 * Math.PI / f;
            if (wavelen < highFreqWavelen) {
                continue;
            }
            if (wavelen > lowFreqWavelen) {
                inv[i] = (float) (f / factor);
            } else {
                double s = (l0 / wavelen - low) / (high - low);
                inv[i] = (float) ((1 - s) * f / factor + s * f);
            }
        }
        return inv;
    }

    /**
     * {@code round(L0·factor)}, never below the checkpoint's own length: Llama 3.1 declares 131072 positions (16·L0)
     * with factor 8, and that declaration is kept.
     */
    @Override
    public int extendedMaxPositions(int originalMaxPositions) {
        return PretrainedLength.extended(originalMaxPositions, options.originalMaxPositionEmbeddings(),
                options.factor());
    }

    @Override
    public Map<String, Object> hfRopeScaling(RopeParameters rope) {
        Map<String, Object> out = HfRopeScalingMap.ofType(Llama3ScalingFactory.NAME);
        out.put("factor", options.factor());
        out.put("low_freq_factor", options.lowFreqFactor());
        out.put("high_freq_factor", options.highFreqFactor());
        out.put("original_max_position_embeddings", options.originalMaxPositionEmbeddings());
        return out;
    }
}
