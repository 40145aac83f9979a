package dev.longtune.training.preference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * Options of {@code method: {type: orpo}} (TRL ORPO, spec D.8). No reference model.
 *
 * @param beta λ, the weight of the odds-ratio term; default 0.1
 * @param maxPromptLength prompt tokens kept (its end, as TRL v0.19); default {@code data.max_length / 2}, or no such cut when {@code data.max_prompt_length} (a middle cut) is set; setting both is refused
 * @param trains what trains; default {@code full}
 * @param auxLoss add the model's auxiliary training loss (Mixtral: {@code router_aux_loss_coef} × router
 *     load-balancing loss) to every pair's loss, as TRL does when the model's {@code output_router_logits} is on, and
 *     log it as {@code aux_loss}; default true; no effect on dense models
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record OrpoOptions(Double beta, Integer maxPromptLength, JsonNode trains, Boolean auxLoss) {

    public OrpoOptions {
        auxLoss = auxLoss == null || auxLoss;
        beta = beta == null ? 0.1 : beta;
        Reference.positive("beta", beta);
        trains = Reference.checkTrains(trains);
        Reference.checkMaxPromptLength(maxPromptLength);
    }

    /** With the default {@code aux_loss} (on). */
    public OrpoOptions(Double beta, Integer maxPromptLength, JsonNode trains) {
        this(beta, maxPromptLength, trains, null);
    }

    public static OrpoOptions defaults() {
        return new OrpoOptions(null, null, null, null);
    }
}
