package dev.longtune.training.preference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.longtune.api.LongtuneException;
import dev.longtune.training.objectives.PreferenceLosses.DpoLoss;

/**
 * Options of {@code method: {type: dpo}} (TRL {@code DPOConfig} defaults, spec D.7).
 *
 * @param beta β, default 0.1
 * @param lossType {@code sigmoid} (default), {@code cdpo}, {@code robust}, {@code hinge}, {@code ipo}
 * @param labelSmoothing ε in [0, 0.5), only for {@code cdpo} and {@code robust}; default 0
 * @param reference {@code precompute} (default) or {@code adapters_disabled} (adapter strategies only)
 * @param maxPromptLength prompt tokens kept (its end, as TRL v0.19); default {@code data.max_length / 2}, or no such cut when {@code data.max_prompt_length} (a middle cut) is set; setting both is refused
 * @param trains what trains (a {@code TrainableStrategies} node); default {@code full}
 * @param auxLoss add the model's auxiliary training loss (Mixtral: {@code router_aux_loss_coef} × router
 *     load-balancing loss) to every pair's loss, as TRL does when the model's {@code output_router_logits} is on, and
 *     log it as {@code aux_loss}; default true; no effect on dense models
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record DpoOptions(Double beta, String lossType, Double labelSmoothing, String reference, Integer maxPromptLength,
        JsonNode trains, Boolean auxLoss) {

    public DpoOptions {
        auxLoss = auxLoss == null || auxLoss;
        beta = beta == null ? 0.1 : beta;
        lossType = lossType == null ? "sigmoid" : lossType;
        labelSmoothing = labelSmoothing == null ? 0.0 : labelSmoothing;
        Reference.positive("beta", beta);
        DpoLoss type;
        try {
            type = DpoLoss.parse(lossType);
        } catch (IllegalArgumentException e) {
            throw new LongtuneException("method.loss_type: " + e.getMessage());
        }
        if (labelSmoothing < 0 || labelSmoothing >= 0.5) {
            throw new LongtuneException("method.label_smoothing must be in [0, 0.5), got " + labelSmoothing);
        }
        if (labelSmoothing != 0 && type != DpoLoss.CDPO && type != DpoLoss.ROBUST) {
            throw new LongtuneException("method.label_smoothing applies to loss_type cdpo and robust only, not '"
                    + lossType + "' (TRL HEAD's sigmoid ignores it; use loss_type: cdpo for TRL v0.19's smoothed "
                    + "sigmoid)");
        }
        trains = Reference.checkTrains(trains);
        reference = Reference.checkReference(reference, trains, "dpo");
        Reference.checkMaxPromptLength(maxPromptLength);
    }

    /** With the default {@code aux_loss} (on). */
    public DpoOptions(Double beta, String lossType, Double labelSmoothing, String reference, Integer maxPromptLength, JsonNode trains) {
        this(beta, lossType, labelSmoothing, reference, maxPromptLength, trains, null);
    }

    public static DpoOptions defaults() {
        return new DpoOptions(null, null, null, null, null, null, null);
    }
}
