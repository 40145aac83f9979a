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
 * @param maxPromptLength prompt tokens kept (its end, as TRL v0.19); default {@code data.max_length / 2}, or no such cut when {@code data.max_prompt_length} (a middle cut) is set; setting both is refused
 * @param trains what trains; default {@code full}
 * @param auxLoss add the model's auxiliary training loss (Mixtral: {@code router_aux_loss_coef} × router
 *     load-balancing loss) to every pair's loss, as TRL does when the model's {@code output_router_logits} is on, and
 *     log it as {@code aux_loss}; default true; no effect on dense models
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record KtoOptions(Double beta, Double desirableWeight, Double undesirableWeight, String reference,
        Integer maxPromptLength, JsonNode trains, Boolean auxLoss) {

    public KtoOptions {
        auxLoss = auxLoss == null || auxLoss;
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

    /** With the default {@code aux_loss} (on). */
    public KtoOptions(Double beta, Double desirableWeight, Double undesirableWeight, String reference, Integer maxPromptLength, JsonNode trains) {
        this(beta, desirableWeight, undesirableWeight, reference, maxPromptLength, trains, null);
    }

    public static KtoOptions defaults() {
        return new KtoOptions(null, null, null, null, null, null, null);
    }
}
