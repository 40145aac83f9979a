package dev.longtune.eval.rouge;

/** One ROUGE measure of one prediction against one reference: precision, recall and their harmonic mean. */
public record RougeScore(double precision, double recall, double fmeasure) {

    public static final RougeScore ZERO = new RougeScore(0, 0, 0);

    /** Precision and recall with F as rouge_score's {@code scoring.fmeasure} (0 when both are 0). */
    public static RougeScore of(double precision, double recall) {
        return new RougeScore(precision, recall, precision + recall > 0
                ? 2 * precision * recall / (precision + recall) : 0.0);
    }
}
