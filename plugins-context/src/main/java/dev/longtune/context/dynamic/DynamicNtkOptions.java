package dev.longtune.context.dynamic;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.longtune.context.support.OptionChecks;

/**
 * Options of {@code dynamic} ({@code context: {type: dynamic, factor: 2}}, or a {@code config.json}
 * {@code "rope_scaling": {"type": "dynamic", "factor": 2.0}}).
 *
 * @param factor the dynamic-NTK factor: at sequence length L past L0 the base grows as if static NTK were applied
 *     with {@code factor·L/L0 - (factor-1)}; at least 1. The declared context becomes {@code factor·L0}
 * @param originalMaxPositionEmbeddings L0, the length below which the frequencies are the default ones; null for the
 *     checkpoint's {@code max_position_embeddings}. transformers always uses {@code max_position_embeddings} here
 *     (it lists this key as optional but does not read it); Longtune reads it so that an exported checkpoint, which
 *     declares the extended length, reloads with the same frequencies
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonIgnoreProperties({"type", "rope_type"})
public record DynamicNtkOptions(Double factor, Integer originalMaxPositionEmbeddings) {

    public DynamicNtkOptions {
        OptionChecks.factor(factor);
        OptionChecks.positive(originalMaxPositionEmbeddings, "original_max_position_embeddings");
    }

    /** Options with just a factor. */
    public static DynamicNtkOptions ofFactor(double factor) {
        return new DynamicNtkOptions(factor, null);
    }
}
