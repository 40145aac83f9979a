package dev.longtune.api.config;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.util.List;

/**
 * The {@code generation:} section: sample generations written before and after training.
 *
 * @param prompts prompts to continue (BOS is added); empty = the prompts of the first held-out records
 * @param samples how many held-out records to sample from when {@code prompts} is empty
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record GenerationConfig(
        List<String> prompts, Integer samples, Integer maxNewTokens, Float temperature, Integer topK, Float topP) {

    public GenerationConfig {
        prompts = prompts == null ? List.of() : List.copyOf(prompts);
        samples = samples == null ? 3 : samples;
        maxNewTokens = maxNewTokens == null ? 64 : maxNewTokens;
        temperature = temperature == null ? 0f : temperature;
        topK = topK == null ? 0 : topK;
        topP = topP == null ? 1f : topP;
    }
}
