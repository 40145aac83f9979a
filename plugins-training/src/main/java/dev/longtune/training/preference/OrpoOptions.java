package dev.longtune.training.preference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * Options of {@code method: {type: orpo}} (TRL ORPO, spec D.8). No reference model.
 *
 * @param beta λ, the weight of the odds-ratio term; default 0.1
 * @param maxPromptLength prompt tokens kept (its end); default {@code data.max_length / 2}
 * @param trains what trains; default {@code full}
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record OrpoOptions(Double beta, Integer maxPromptLength, JsonNode trains) {

    public OrpoOptions {
        beta = beta == null ? 0.1 : beta;
        Reference.positive("beta", beta);
        trains = Reference.checkTrains(trains);
        Reference.checkMaxPromptLength(maxPromptLength);
    }

    public static OrpoOptions defaults() {
        return new OrpoOptions(null, null, null);
    }
}
