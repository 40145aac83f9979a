package dev.longtune.context.llama3;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.longtune.context.support.OptionChecks;

/**
 * Options of {@code llama3}, exactly the keys of a Llama 3.1 {@code config.json}
 * ({@code "rope_scaling": {"factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
 * "original_max_position_embeddings": 8192, "rope_type": "llama3"}}). All four are required, as in transformers
 * (numerics spec B.5): there is no sensible default for any of them.
 *
 * @param factor divisor of the low frequencies; at least 1
 * @param lowFreqFactor wavelengths longer than {@code L0 / low_freq_factor} are divided by {@code factor}
 * @param highFreqFactor wavelengths shorter than {@code L0 / high_freq_factor} are kept; above {@code low_freq_factor}
 * @param originalMaxPositionEmbeddings L0, the pretrained context length
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonIgnoreProperties({"type", "rope_type"})
public record Llama3ScalingOptions(Double factor, Double lowFreqFactor, Double highFreqFactor,
        Integer originalMaxPositionEmbeddings) {

    public Llama3ScalingOptions {
        OptionChecks.factor(factor);
        OptionChecks.required(lowFreqFactor, "low_freq_factor", "wavelengths above L0/low_freq_factor are "
                + "divided by factor (Llama 3.1: 1.0)");
        OptionChecks.required(highFreqFactor, "high_freq_factor", "wavelengths below L0/high_freq_factor are "
                + "kept (Llama 3.1: 4.0)");
        OptionChecks.required(originalMaxPositionEmbeddings, "original_max_position_embeddings",
                "the pretrained context length L0 (Llama 3.1: 8192)");
        OptionChecks.finitePositive(lowFreqFactor, "low_freq_factor");
        OptionChecks.finitePositive(highFreqFactor, "high_freq_factor");
        OptionChecks.positive(originalMaxPositionEmbeddings, "original_max_position_embeddings");
        if (!(highFreqFactor > lowFreqFactor)) {
            // The smoothing divides by (high - low); transformers only warns and then produces inf/NaN.
            throw new IllegalArgumentException("'high_freq_factor' (" + highFreqFactor + ") must be greater than "
                    + "'low_freq_factor' (" + lowFreqFactor + ")");
        }
    }

    /** The published Llama 3.1 values: factor 8, low 1, high 4, L0 8192. */
    public static Llama3ScalingOptions llama31() {
        return new Llama3ScalingOptions(8.0, 1.0, 4.0, 8192);
    }
}
