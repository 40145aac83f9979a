package dev.longtune.eval.bleu;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.longtune.api.config.Suggestions;
import java.util.Arrays;
import java.util.List;

/**
 * sacrebleu's smoothing methods for n-gram orders without a match (Chen and Cherry 2014, "A Systematic Comparison of
 * Smoothing Techniques for Sentence-Level BLEU").
 */
public enum Smoothing {
    /** NIST's (mteval-v13a) method 3, sacrebleu's default: the k-th zero-match order gets precision 1/(2^k total). */
    EXP("exp", Double.NaN),
    /** Method 1: a zero-match order gets precision {@code value/total} (default value 0.1). */
    FLOOR("floor", 0.1),
    /** Method 2: {@code value} (default 1) is added to the matches and totals of every order above 1. */
    ADD_K("add-k", 1.0),
    /** None: any order without a match makes BLEU 0. */
    NONE("none", Double.NaN);

    private final String label;
    private final double defaultValue;

    Smoothing(String label, double defaultValue) {
        this.label = label;
        this.defaultValue = defaultValue;
    }

    /** sacrebleu's name for it (and the YAML value). */
    @JsonValue
    public String label() {
        return label;
    }

    /** Whether the method takes a value ({@code floor}, {@code add-k}). */
    public boolean takesValue() {
        return !Double.isNaN(defaultValue);
    }

    public double defaultValue() {
        return defaultValue;
    }

    /** The method named {@code label}; an unknown name is rejected listing the valid ones. */
    @JsonCreator
    public static Smoothing of(String label) {
        List<String> labels = Arrays.stream(values()).map(Smoothing::label).toList();
        return Arrays.stream(values()).filter(s -> s.label.equals(label)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown smooth_method '" + label + "'; valid: "
                        + String.join(", ", labels) + Suggestions.didYouMean(label, labels)));
    }
}
