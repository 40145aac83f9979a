package dev.longtune.context.ntk;

import dev.longtune.api.ContextExtension;
import dev.longtune.api.LongtuneException;
import dev.longtune.api.RopeParameters;
import dev.longtune.api.RopeScaling;
import dev.longtune.context.support.HfRopeScalingMap;
import dev.longtune.context.support.PretrainedLength;
import java.util.Map;

/**
 * Static NTK-aware scaling (bloc97, r/LocalLLaMA, 2023): instead of dividing every frequency by {@code factor}
 * (Position Interpolation), raise the base so that the highest frequency is untouched and the lowest one is divided
 * by exactly {@code factor}.
 *
 * <p>Derivation. {@code inv[i] = base^(-2i/d)}; the lowest frequency is {@code i = d/2 - 1}, exponent
 * {@code -(d-2)/d}. Asking {@code base'^(-(d-2)/d) = base^(-(d-2)/d) / factor} gives
 * {@code base' = base · factor^(d/(d-2))}; {@code i = 0} stays 1 for any base. Frequencies in between are divided by
 * {@code factor^(2i/(d-2))}, smoothly from 1 to {@code factor}: high frequencies (local order) extrapolate, low ones
 * (long range) interpolate.
 *
 * <p>Relation to transformers' {@code "dynamic"} (numerics spec B.2): its base is
 * {@code base · (factor·L/maxpos - (factor-1))^(d/(d-2))}, i.e. this formula with the factor replaced by
 * {@code alpha(L) = factor·L/maxpos - (factor-1)}. So dynamic NTK is static NTK re-evaluated per sequence length, and
 * with {@code factor = 1} dynamic at {@code L = alpha·maxpos} equals static NTK with factor {@code alpha} (the tests
 * check both identities). {@code dynamic} reuses {@link #scaledInverseFrequencies} for that reason.
 *
 * <p>Any architecture with a rotary embedding is supported: the strategy only transforms {@link RopeParameters}.
 */
public final class NtkScaling implements ContextExtension {

    private final NtkScalingOptions options;

    public NtkScaling(NtkScalingOptions options) {
        this.options = options;
    }

    public NtkScalingOptions options() {
        return options;
    }

    @Override
    public String name() {
        return NtkScalingFactory.NAME;
    }

    @Override
    public RopeScaling ropeScaling(RopeParameters rope) {
        float[] inv = scaledInverseFrequencies(rope, options.factor());
        // Static: the sequence length does not matter; NTK keeps the attention factor at 1.
        return sequenceLength -> inv.clone();
    }

    /** {@code base · alpha^(d/(d-2))}, in double. */
    public static double scaledBase(RopeParameters rope, double alpha) {
        int d = rope.rotaryDim();
        if (d < 4) {
            // d/(d-2) is undefined for d = 2: with a single frequency there is no "lowest vs highest" to balance.
            throw new LongtuneException("NTK-aware scaling needs a rotary dimension of at least 4, was " + d);
        }
        return rope.theta() * Math.pow(alpha, (double) d / (d - 2));
    }

    /**
     * {@code 1 / base'^(2i/d)} in float32 step by step, like transformers' {@code 1.0 / (base ** (torch.arange(0, dim,
     * 2).float() / dim))} (a Python-float base raised to an fp32 tensor is computed in fp32). This reproduces the
     * spec's dynamic-NTK table bit for bit; a double computation rounded once differs by an ulp in places (e.g.
     * 0.004963857 instead of 0.0049638567).
     */
    public static float[] scaledInverseFrequencies(RopeParameters rope, double alpha) {
        int d = rope.rotaryDim();
        float base = (float) scaledBase(rope, alpha);
        float[] inv = new float[d / 2];
        for (int i = 0; i < inv.length; i++) {
            inv[i] = 1f / (float) Math.pow(base, (float) (2 * i) / d);
        }
        return inv;
    }

    @Override
    public int extendedMaxPositions(int originalMaxPositions) {
        int pretrained = PretrainedLength.of(options.originalMaxPositionEmbeddings(), originalMaxPositions);
        return PretrainedLength.extended(originalMaxPositions, pretrained, options.factor());
    }

    /**
     * {@code {"rope_type": "ntk", "factor": f, "original_max_position_embeddings": L0}}. Released transformers have
     * no static NTK type ("dynamic" is a different, length-dependent formula, so exporting as "dynamic" would load
     * a different model without a word). "ntk" makes transformers and vLLM refuse the checkpoint loudly instead,
     * while Longtune reads it back exactly. The transformers-native export of static NTK would be no
     * {@code rope_scaling} at all and {@code rope_theta = base'}; this hook can only write {@code rope_scaling}.
     */
    @Override
    public Map<String, Object> hfRopeScaling(RopeParameters rope) {
        Map<String, Object> out = HfRopeScalingMap.ofType(NtkScalingFactory.NAME);
        out.put("factor", options.factor());
        out.put("original_max_position_embeddings",
                PretrainedLength.of(options.originalMaxPositionEmbeddings(), rope.maxPositionEmbeddings()));
        return out;
    }
}
