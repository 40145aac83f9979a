package dev.longtune.eval.bleu;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * Options of {@code bleu}; the defaults are sacrebleu's ({@code BLEU()}: 13a, mixed case, exp smoothing), so
 * {@code {type: bleu}} alone is a complete config and gives the number sacrebleu prints.
 *
 * @param maxRecords score only the first this many held-out records that have a reference; 0 (default) means all
 * @param tokenize {@code 13a} (default) or {@code none} (text already tokenised, split on whitespace)
 * @param lowercase compare lowercased text; default false
 * @param smoothMethod {@code exp} (default), {@code floor}, {@code add-k} or {@code none}
 * @param smoothValue the value of {@code floor} (default 0.1) or {@code add-k} (default 1); not accepted with the
 *     methods that take none
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record BleuOptions(Integer maxRecords, BleuTokenizer tokenize, Boolean lowercase, Smoothing smoothMethod,
        Double smoothValue) {

    // Boxed so an absent key binds as null and takes its default here (the binder rejects null for primitives).
    public BleuOptions {
        maxRecords = maxRecords == null ? 0 : maxRecords;
        tokenize = tokenize == null ? BleuTokenizer.THIRTEEN_A : tokenize;
        lowercase = lowercase != null && lowercase;
        smoothMethod = smoothMethod == null ? Smoothing.EXP : smoothMethod;
        if (maxRecords < 0) {
            throw new IllegalArgumentException("'max_records' must not be negative (0 means all), was " + maxRecords);
        }
        if (smoothValue != null) {
            if (!smoothMethod.takesValue()) {
                throw new IllegalArgumentException("'smooth_value' applies only to smooth_method floor or add-k, not "
                        + smoothMethod.label() + "; remove it or change the method");
            }
            if (!(smoothValue >= 0) || smoothValue.isInfinite()) {
                throw new IllegalArgumentException("'smooth_value' must be a finite number >= 0, was " + smoothValue);
            }
        }
    }

    public static BleuOptions defaults() {
        return new BleuOptions(null, null, null, null, null);
    }

    /** Corpus BLEU with these settings (BLEU-4, no effective order, like sacrebleu's {@code corpus_bleu}). */
    public Bleu bleu() {
        return new Bleu(tokenize, lowercase, smoothMethod, smoothValue == null ? Double.NaN : smoothValue,
                Bleu.MAX_ORDER, false);
    }
}
