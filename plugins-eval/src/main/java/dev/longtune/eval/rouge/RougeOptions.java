package dev.longtune.eval.rouge;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * Options of {@code rouge}. Every key has a default, so {@code {type: rouge}} alone is a complete config.
 *
 * @param maxRecords score only the first this many held-out records that have a reference; 0 (default) means all
 * @param useStemmer Porter-stem tokens longer than 3 characters before matching (rouge_score's {@code use_stemmer},
 *     ROUGE-1.5.5's {@code -m}); default false, rouge_score's default
 * @param bootstrap resamples for a 95% bootstrap interval of each mean F (rouge_score's {@code BootstrapAggregator}
 *     uses 1000); 0 turns it off. Default 1000
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record RougeOptions(Integer maxRecords, Boolean useStemmer, Integer bootstrap) {

    // Boxed so an absent key binds as null and takes its default here (the binder rejects null for primitives).
    public RougeOptions {
        maxRecords = maxRecords == null ? 0 : maxRecords;
        useStemmer = useStemmer != null && useStemmer;
        bootstrap = bootstrap == null ? 1000 : bootstrap;
        if (maxRecords < 0) {
            throw new IllegalArgumentException("'max_records' must not be negative (0 means all), was " + maxRecords);
        }
        if (bootstrap < 0) {
            throw new IllegalArgumentException("'bootstrap' must not be negative (0 turns the interval off), was "
                    + bootstrap);
        }
    }

    public static RougeOptions defaults() {
        return new RougeOptions(null, null, null);
    }
}
