package dev.longtune.context.yarn;

import dev.longtune.api.RopeParameters;

/**
 * YaRN's formulas (numerics spec B.3; transformers {@code _compute_yarn_parameters}, jquesnelle/yarn). Inverse
 * frequencies are computed in float32 step by step like transformers' fp32 tensors, which reproduces the spec's
 * worked numbers bit for bit (e.g. 0.0062499996 rather than 0.00625).
 */
final class YarnFrequencies {

    private YarnFrequencies() {}

    /** {@code d·ln(L0/(2π·r)) / (2·ln base)}: the pair index whose wavelength fits {@code r} rotations in L0. */
    static double correctionDim(double rotations, int d, double base, int pretrained) {
        return d * Math.log(pretrained / (rotations * 2 * Math.PI)) / (2 * Math.log(base));
    }

    /**
     * {low, high} of the ramp: floor/ceil when truncating, then clamped to [0, d-1]. The upper bound is d-1, not
     * d/2-1 (the last pair); both sources have that quirk and it is kept: when the raw high lies past d/2-1 the ramp
     * is flatter than it would be with the tighter clamp, so the last pairs are not fully interpolated.
     */
    static double[] correctionRange(YarnOptions o, int d, double base, int pretrained) {
        double low = correctionDim(o.betaFast(), d, base, pretrained);
        double high = correctionDim(o.betaSlow(), d, base, pretrained);
        if (o.truncate()) {
            low = Math.floor(low);
            high = Math.ceil(high);
        }
        return new double[] {Math.max(low, 0), Math.min(high, d - 1)};
    }

    static float[] inverseFrequencies(YarnOptions o, RopeParameters rope, int pretrained) {
        int d = rope.rotaryDim();
        double[] range = correctionRange(o, d, rope.theta(), pretrained);
        double low = range[0];
        double high = range[1];
        if (low == high) {
            high += 0.001; // prevents a division by zero, as in both sources
        }
        float span = (float) (high - low);
        float lowF = (float) low;
        float factor = o.factor().floatValue();
        float baseF = (float) rope.theta();
        float[] inv = new float[d / 2];
        for (int i = 0; i < inv.length; i++) {
            // pos_freqs = base ** (arange(0, d, 2).float() / d), fp32
            float posFreq = (float) Math.pow(baseF, (float) (2 * i) / d);
            float extrapolation = 1f / posFreq;
            float interpolation = 1f / (factor * posFreq);
            float ramp = Math.min(Math.max(((float) i - lowF) / span, 0f), 1f);
            float extrapolationWeight = 1f - ramp;
            // Low i (high frequency, many rotations in L0) extrapolates; high i interpolates.
            inv[i] = interpolation * (1f - extrapolationWeight) + extrapolation * extrapolationWeight;
        }
        return inv;
    }

    /**
     * The explicit {@code attention_factor}, else {@code get_mscale(f, mscale)/get_mscale(f, mscale_all_dim)} when
     * both are given and non-zero (transformers tests them for truthiness), else {@code get_mscale(f)}.
     */
    static double attentionFactor(YarnOptions o) {
        if (o.attentionFactor() != null) {
            return o.attentionFactor();
        }
        double f = o.factor();
        if (o.mscale() != null && o.mscale() != 0 && o.mscaleAllDim() != null && o.mscaleAllDim() != 0) {
            return mscale(f, o.mscale()) / mscale(f, o.mscaleAllDim());
        }
        return mscale(f, 1.0);
    }

    /** {@code 0.1·m·ln(s) + 1}, or 1 when {@code s <= 1}. */
    static double mscale(double scale, double m) {
        return scale <= 1 ? 1.0 : 0.1 * m * Math.log(scale) + 1.0;
    }
}
