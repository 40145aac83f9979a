package dev.longtune.context.support;

/**
 * Validation shared by the options records' compact constructors. The messages name the YAML / {@code rope_scaling}
 * key, since that is what the user wrote.
 */
public final class OptionChecks {

    private OptionChecks() {}

    /** {@code factor}: required, finite, at least 1 (1 leaves the model unchanged, useful as a control run). */
    public static void factor(Double factor) {
        if (factor == null) {
            throw new IllegalArgumentException("'factor' is required: how many times the context is extended, "
                    + "e.g. factor: 4 turns a 4096-token model into a 16384-token one");
        }
        optionalFactor(factor);
    }

    /** {@code factor} when it may be absent. */
    public static void optionalFactor(Double factor) {
        if (factor != null && (!(factor >= 1.0) || Double.isInfinite(factor))) {
            throw new IllegalArgumentException("'factor' must be a finite number >= 1 (below 1 would shrink the "
                    + "context), was " + factor);
        }
    }

    /** An optional positive whole number, e.g. {@code original_max_position_embeddings}. */
    public static void positive(Integer value, String key) {
        if (value != null && value <= 0) {
            throw new IllegalArgumentException("'" + key + "' must be positive, was " + value);
        }
    }

    /** An optional finite number > 0, e.g. {@code attention_factor}. */
    public static void finitePositive(Double value, String key) {
        if (value != null && !(value > 0 && Double.isFinite(value))) {
            throw new IllegalArgumentException("'" + key + "' must be a finite number > 0, was " + value);
        }
    }

    /** A required key. */
    public static <T> T required(T value, String key, String what) {
        if (value == null) {
            throw new IllegalArgumentException("'" + key + "' is required: " + what);
        }
        return value;
    }
}
