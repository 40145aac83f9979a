package dev.longtune.eval.bleu;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * BLEU (Papineni et al. 2002) exactly as sacrebleu's {@code metrics/bleu.py} computes it: per segment, the
 * hypothesis n-grams (orders 1..max) are matched against the references with counts clipped to the largest count in
 * any one reference, and the reference length is the one closest to the hypothesis length (the shorter on a tie);
 * corpus BLEU sums these statistics over all segments, then takes the geometric mean of the n-gram precisions times
 * the brevity penalty {@code exp(1 - ref_len/sys_len)} when the hypotheses are shorter. Scores are 0–100.
 *
 * @param tokenizer how segments are cut into tokens
 * @param lowercase compare lowercased text (sacrebleu's {@code -lc})
 * @param smoothing what an order without matches contributes
 * @param smoothValue the value of {@code floor} / {@code add-k}; NaN means the method's default
 * @param maxOrder the largest n-gram order (4 for BLEU-4)
 * @param effectiveOrder stop at the first order the hypothesis has no n-grams of, instead of scoring it as zero;
 *     sacrebleu's {@code sentence_bleu} turns this on, corpus BLEU leaves it off
 */
public record Bleu(BleuTokenizer tokenizer, boolean lowercase, Smoothing smoothing, double smoothValue, int maxOrder,
        boolean effectiveOrder) {

    public static final int MAX_ORDER = 4;

    public Bleu {
        if (maxOrder < 1) {
            throw new IllegalArgumentException("max n-gram order must be at least 1, was " + maxOrder);
        }
    }

    /** sacrebleu's {@code corpus_bleu} defaults: 13a, mixed case, exp smoothing, BLEU-4, no effective order. */
    public static Bleu corpusDefaults() {
        return new Bleu(BleuTokenizer.THIRTEEN_A, false, Smoothing.EXP, Double.NaN, MAX_ORDER, false);
    }

    /** The same settings with effective order on: what sacrebleu's {@code sentence_bleu} does. */
    public Bleu forSentences() {
        return new Bleu(tokenizer, lowercase, smoothing, smoothValue, maxOrder, true);
    }

    /** Corpus BLEU: {@code references.get(i)} are the references of {@code hypotheses.get(i)}. */
    public BleuScore corpusScore(List<String> hypotheses, List<List<String>> references) {
        if (hypotheses.size() != references.size()) {
            throw new IllegalArgumentException(hypotheses.size() + " hypotheses but " + references.size()
                    + " reference sets");
        }
        BleuStats sum = BleuStats.zero(maxOrder);
        for (int i = 0; i < hypotheses.size(); i++) {
            sum = sum.plus(segmentStats(hypotheses.get(i), references.get(i)));
        }
        return compute(sum);
    }

    /** BLEU of one segment (call on {@link #forSentences()} for sacrebleu's {@code sentence_bleu}). */
    public BleuScore sentenceScore(String hypothesis, List<String> references) {
        return compute(segmentStats(hypothesis, references));
    }

    /** One segment's statistics ({@code _compute_segment_statistics}). */
    public BleuStats segmentStats(String hypothesis, List<String> references) {
        Map<List<String>, Integer> refNgrams = new HashMap<>();
        List<Integer> refLens = new ArrayList<>();
        for (String ref : references) {
            List<String> tokens = PyWhitespace.split(tokenizer.preprocess(ref, lowercase));
            refLens.add(tokens.size());
            // Clip against the most any single reference has, not the sum over references.
            ngrams(tokens).forEach((g, c) -> refNgrams.merge(g, c, Math::max));
        }
        List<String> hyp = PyWhitespace.split(tokenizer.preprocess(hypothesis, lowercase));
        int[] correct = new int[maxOrder];
        int[] total = new int[maxOrder];
        ngrams(hyp).forEach((g, c) -> {
            total[g.size() - 1] += c;
            correct[g.size() - 1] += Math.min(c, refNgrams.getOrDefault(g, 0));
        });
        return new BleuStats(hyp.size(), closestRefLen(hyp.size(), refLens), correct, total);
    }

    private Map<List<String>, Integer> ngrams(List<String> tokens) {
        Map<List<String>, Integer> counts = new HashMap<>();
        for (int n = 1; n <= maxOrder; n++) {
            for (int i = 0; i + n <= tokens.size(); i++) {
                counts.merge(List.copyOf(tokens.subList(i, i + n)), 1, Integer::sum);
            }
        }
        return counts;
    }

    /** The reference length closest to the hypothesis length; the shorter one on a tie; -1 without references. */
    static int closestRefLen(int hypLen, List<Integer> refLens) {
        int closestDiff = -1;
        int closestLen = -1;
        for (int refLen : refLens) {
            int diff = Math.abs(hypLen - refLen);
            if (closestDiff == -1 || diff < closestDiff) {
                closestDiff = diff;
                closestLen = refLen;
            } else if (diff == closestDiff && refLen < closestLen) {
                closestLen = refLen;
            }
        }
        return closestLen;
    }

    /** BLEU from summed statistics ({@code BLEU.compute_bleu}). */
    public BleuScore compute(BleuStats stats) {
        int sysLen = stats.sysLen();
        int refLen = stats.refLen();
        double bp = 1.0;
        if (sysLen < refLen) {
            bp = sysLen > 0 ? Math.exp(1 - refLen / (double) sysLen) : 0.0;
        }
        double[] precisions = new double[maxOrder];
        boolean anyMatch = false;
        for (int c : stats.correct()) {
            anyMatch |= c != 0;
        }
        if (!anyMatch) {
            return new BleuScore(0.0, precisions, bp, sysLen, refLen, stats);
        }
        double value = Double.isNaN(smoothValue) ? smoothing.defaultValue() : smoothValue;
        double smoothMteval = 1.0;
        int effOrder = maxOrder;
        for (int n = 1; n <= maxOrder; n++) {
            double correct = stats.correct()[n - 1];
            double total = stats.total()[n - 1];
            if (smoothing == Smoothing.ADD_K && n > 1) {
                correct += value;
                total += value;
            }
            if (total == 0) {
                break;
            }
            if (effectiveOrder) {
                effOrder = n;
            }
            if (correct == 0) {
                if (smoothing == Smoothing.EXP) {
                    smoothMteval *= 2;
                    precisions[n - 1] = 100.0 / (smoothMteval * total);
                } else if (smoothing == Smoothing.FLOOR) {
                    precisions[n - 1] = 100.0 * value / total;
                }
            } else {
                precisions[n - 1] = 100.0 * correct / total;
            }
        }
        double logSum = 0;
        for (int i = 0; i < effOrder; i++) {
            logSum += myLog(precisions[i]);
        }
        return new BleuScore(bp * Math.exp(logSum / effOrder), precisions, bp, sysLen, refLen, stats);
    }

    /** sacrebleu's {@code my_log}: log, with log(0) floored at -9999999999 so a zero precision gives BLEU 0. */
    private static double myLog(double x) {
        return x == 0.0 ? -9999999999.0 : Math.log(x);
    }
}
