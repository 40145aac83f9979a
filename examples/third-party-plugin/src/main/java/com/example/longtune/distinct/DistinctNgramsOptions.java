package com.example.longtune.distinct;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * Options, bound from the YAML node (snake_case keys; unknown keys are rejected by the host).
 *
 * @param n n-gram order (default 2)
 * @param samples how many held-out prompts to continue (default 4)
 * @param maxNewTokens tokens generated per prompt (default 48)
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record DistinctNgramsOptions(Integer n, Integer samples, Integer maxNewTokens) {

    public DistinctNgramsOptions {
        n = n == null ? 2 : n;
        samples = samples == null ? 4 : samples;
        maxNewTokens = maxNewTokens == null ? 48 : maxNewTokens;
        if (n < 1 || samples < 1 || maxNewTokens < 1) {
            throw new IllegalArgumentException("n, samples and max_new_tokens must be at least 1");
        }
    }
}
