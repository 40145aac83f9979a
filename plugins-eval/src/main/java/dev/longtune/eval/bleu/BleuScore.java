package dev.longtune.eval.bleu;

/**
 * A BLEU score on sacrebleu's 0–100 scale, with what it was computed from.
 *
 * @param score BLEU
 * @param precisions the n-gram precisions (0–100) after smoothing, orders 1..max
 * @param bp the brevity penalty
 * @param sysLen hypothesis tokens
 * @param refLen reference tokens (the closest reference's length per segment, summed)
 * @param stats the sufficient statistics the score came from (before any add-k)
 */
public record BleuScore(double score, double[] precisions, double bp, int sysLen, int refLen, BleuStats stats) {}
