package dev.longtune.context.longrope;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.longtune.context.support.OptionChecks;
import java.util.List;

/**
 * Options of {@code longrope} (Phi-3 style, numerics spec B.4), the keys of transformers' {@code "longrope"}.
 *
 * @param shortFactor per-pair divisors used up to L0 tokens; length d/2 (checked when the model's rotary
 *     dimension is known)
 * @param longFactor per-pair divisors used past L0 tokens; length d/2
 * @param factor the context multiple; null to derive it as {@code max_position_embeddings / L0} (Phi-3 configs
 *     declare the extended length and the pretrained one instead of a factor)
 * @param attentionFactor multiplies cos and sin; null for {@code sqrt(1 + ln(factor)/ln(L0))} (1 when factor <= 1)
 * @param originalMaxPositionEmbeddings L0; null for the checkpoint's {@code max_position_embeddings}. Phi-3 keeps it
 *     at the top level of {@code config.json}, which a context extension does not see: give it here (newer
 *     transformers moves it into {@code rope_parameters} too)
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonIgnoreProperties({"type", "rope_type"})
public record LongRopeOptions(List<Double> shortFactor, List<Double> longFactor, Double factor,
        Double attentionFactor, Integer originalMaxPositionEmbeddings) {

    public LongRopeOptions {
        shortFactor = factors(shortFactor, "short_factor");
        longFactor = factors(longFactor, "long_factor");
        if (shortFactor.size() != longFactor.size()) {
            throw new IllegalArgumentException("'short_factor' has " + shortFactor.size() + " entries and "
                    + "'long_factor' " + longFactor.size() + "; both need one per rotary pair (head_dim/2)");
        }
        OptionChecks.optionalFactor(factor);
        OptionChecks.finitePositive(attentionFactor, "attention_factor");
        OptionChecks.positive(originalMaxPositionEmbeddings, "original_max_position_embeddings");
    }

    private static List<Double> factors(List<Double> values, String key) {
        OptionChecks.required(values, key, "one divisor per rotary pair (head_dim/2 numbers)");
        if (values.isEmpty()) {
            throw new IllegalArgumentException("'" + key + "' must not be empty: one divisor per rotary pair");
        }
        for (int i = 0; i < values.size(); i++) {
            Double v = values.get(i);
            if (v == null || !(v > 0) || v.isInfinite()) {
                throw new IllegalArgumentException("'" + key + "[" + i + "]' must be a finite number > 0, was " + v);
            }
        }
        return List.copyOf(values);
    }
}
