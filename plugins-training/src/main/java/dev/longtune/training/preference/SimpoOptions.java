package dev.longtune.training.preference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.longtune.api.LongtuneException;

/**
 * Options of {@code method: {type: simpo}}: TRL's {@code CPOTrainer} with {@code loss_type="simpo"} (spec D.9), with
 * TRL's {@code CPOConfig} defaults. No reference model.
 *
 * @param beta β, default 0.1 (TRL {@code CPOConfig}; the SimPO paper's recipes use 2.0–2.5)
 * @param gamma target reward margin γ (TRL {@code simpo_gamma}), default 0.5
 * @param cpoAlpha weight of the chosen-completion NLL, default 1.0 as in TRL (spec G.8); 0 gives pure SimPO
 * @param labelSmoothing ε in [0, 0.5), default 0
 * @param maxPromptLength prompt tokens kept (its end, as TRL v0.19); default {@code data.max_length / 2}, or no such cut when {@code data.max_prompt_length} (a middle cut) is set; setting both is refused
 * @param trains what trains; default {@code full}
 * @param auxLoss add the model's auxiliary training loss (Mixtral: {@code router_aux_loss_coef} × router
 *     load-balancing loss) to every pair's loss, as TRL does when the model's {@code output_router_logits} is on, and
 *     log it as {@code aux_loss}; default true; no effect on dense models
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record SimpoOptions(Double beta, Double gamma, Double cpoAlpha, Double labelSmoothing, Integer maxPromptLength,
        JsonNode trains, Boolean auxLoss) {

    public SimpoOptions {
        auxLoss = auxLoss == null || auxLoss;
        beta = beta == null ? 0.1 : beta;
        gamma = gamma == null ? 0.5 : gamma;
        cpoAlpha = cpoAlpha == null ? 1.0 : cpoAlpha;
        labelSmoothing = labelSmoothing == null ? 0.0 : labelSmoothing;
        Reference.positive("beta", beta);
        if (cpoAlpha < 0) {
            throw new LongtuneException("method.cpo_alpha must be >= 0, got " + cpoAlpha);
        }
        if (labelSmoothing < 0 || labelSmoothing >= 0.5) {
            throw new LongtuneException("method.label_smoothing must be in [0, 0.5), got " + labelSmoothing);
        }
        trains = Reference.checkTrains(trains);
        Reference.checkMaxPromptLength(maxPromptLength);
    }

    /** With the default {@code aux_loss} (on). */
    public SimpoOptions(Double beta, Double gamma, Double cpoAlpha, Double labelSmoothing, Integer maxPromptLength, JsonNode trains) {
        this(beta, gamma, cpoAlpha, labelSmoothing, maxPromptLength, trains, null);
    }

    public static SimpoOptions defaults() {
        return new SimpoOptions(null, null, null, null, null, null, null);
    }
}
