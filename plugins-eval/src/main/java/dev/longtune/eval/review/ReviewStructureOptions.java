package dev.longtune.eval.review;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * Options of {@code review_structure}. Every key has a default, so {@code {type: review_structure}} is complete.
 *
 * @param maxRecords score the first this many held-out records; 0 (default) means all
 * @param minChars a criterion heading counts only when its section has at least this many non-blank characters
 *     (default 20), so an empty template ("Strengths:\nWeaknesses:") covers nothing; 0 lets a bare heading count
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record ReviewStructureOptions(Integer maxRecords, Integer minChars) {

    // Boxed so an absent key binds as null and takes its default here (the binder rejects null for primitives).
    public ReviewStructureOptions {
        maxRecords = maxRecords == null ? 0 : maxRecords;
        minChars = minChars == null ? 20 : minChars;
        if (maxRecords < 0) {
            throw new IllegalArgumentException("'max_records' must not be negative (0 means all), was " + maxRecords);
        }
        if (minChars < 0) {
            throw new IllegalArgumentException("'min_chars' must not be negative, was " + minChars);
        }
    }

    public static ReviewStructureOptions defaults() {
        return new ReviewStructureOptions(null, null);
    }
}
