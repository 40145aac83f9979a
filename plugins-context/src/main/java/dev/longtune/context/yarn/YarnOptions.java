package dev.longtune.context.yarn;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.longtune.context.support.OptionChecks;

/**
 * Options of {@code yarn}, named and defaulted like transformers' {@code rope_scaling} for {@code "yarn"} (numerics
 * spec B.3), so {@code context: {type: yarn, factor: 4}} and a Qwen/DeepSeek-style {@code config.json} node bind to
 * the same record.
 *
 * @param factor scale factor s; at least 1. Required (transformers <= 4.46 requires it; the newest releases may
 *     derive it from {@code max_position_embeddings / original_max_position_embeddings}, every published YaRN
 *     config carries it)
 * @param originalMaxPositionEmbeddings L0, the pretrained length the correction range is computed from; null for the
 *     checkpoint's {@code max_position_embeddings}
 * @param betaFast rotations above which a pair extrapolates (default 32)
 * @param betaSlow rotations below which a pair interpolates (default 1)
 * @param truncate whether the correction range is floored/ceiled to whole pairs (default true; newer transformers)
 * @param attentionFactor multiplies cos and sin; null for the default {@code 0.1·ln(factor) + 1}
 * @param mscale with {@code mscale_all_dim}, the DeepSeek form {@code get_mscale(f, mscale) /
 *     get_mscale(f, mscale_all_dim)}; like transformers, ignored unless both are given (and non-zero)
 * @param mscaleAllDim see {@code mscale}
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonIgnoreProperties({"type", "rope_type"})
public record YarnOptions(Double factor, Integer originalMaxPositionEmbeddings, Double betaFast, Double betaSlow,
        Boolean truncate, Double attentionFactor, Double mscale, Double mscaleAllDim) {

    public YarnOptions {
        OptionChecks.factor(factor);
        OptionChecks.positive(originalMaxPositionEmbeddings, "original_max_position_embeddings");
        betaFast = betaFast != null ? betaFast : 32.0;
        betaSlow = betaSlow != null ? betaSlow : 1.0;
        truncate = truncate != null ? truncate : Boolean.TRUE;
        OptionChecks.finitePositive(betaFast, "beta_fast");
        OptionChecks.finitePositive(betaSlow, "beta_slow");
        if (betaFast < betaSlow) {
            // transformers only warns; the ramp would then run backwards, which is never what a config means.
            throw new IllegalArgumentException("'beta_fast' (" + betaFast + ") must not be below 'beta_slow' ("
                    + betaSlow + "): pairs rotating more than beta_fast times extrapolate, fewer than beta_slow "
                    + "interpolate");
        }
        OptionChecks.finitePositive(attentionFactor, "attention_factor");
        if (mscale != null && !Double.isFinite(mscale)) {
            throw new IllegalArgumentException("'mscale' must be finite, was " + mscale);
        }
        if (mscaleAllDim != null && !Double.isFinite(mscaleAllDim)) {
            throw new IllegalArgumentException("'mscale_all_dim' must be finite, was " + mscaleAllDim);
        }
    }

    /** Options with just a factor (every other key at its default). */
    public static YarnOptions ofFactor(double factor) {
        return new YarnOptions(factor, null, null, null, null, null, null, null);
    }
}
