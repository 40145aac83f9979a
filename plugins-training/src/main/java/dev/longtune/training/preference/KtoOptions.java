package dev.longtune.training.preference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.longtune.api.LongtuneException;

/**
 * Options of {@code method: {type: kto}} (TRL {@code KTOConfig} defaults, spec D.10). Needs
 * {@code training.batch_size >= 2} (the KL reference point is a mean over the batch).
 *
 * @param beta β, default 0.1
 * @param desirableWeight weight of desirable examples' losses, default 1
 * @param undesirableWeight weight of undesirable examples' losses, default 1
 * @param reference {@code precompute} (default) or {@code adapters_disabled} (adapter strategies only)
 * @param maxPromptLength prompt tokens kept (its end); default {@code data.max_length / 2}
 * @param trains what trains; default {@code full}
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record KtoOptions(Double beta, Double desirableWeight, Double undesirableWeight, String reference,
        Integer maxPromptLength, JsonNode trains) {

    public KtoOptions {
        beta = beta == null ? 0.1 : beta;
        desirableWeight = desirableWeight == null ? 1.0 : desirableWeight;
        undesirableWeight = undesirableWeight == null ? 1.0 : undesirableWeight;
        Reference.positive("beta", beta);
        if (desirableWeight < 0 || undesirableWeight < 0) {
            throw new LongtuneException("method.desirable_weight and method.undesirable_weight must be >= 0");
        }
        trains = Reference.checkTrains(trains);
        reference = Reference.checkReference(reference, trains, "kto");
        Reference.checkMaxPromptLength(maxPromptLength);
    }

    public static KtoOptions defaults() {
        return new KtoOptions(null, null, null, null, null, null);
    }
}
