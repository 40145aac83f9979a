package dev.longtune.eval.rouge;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The ROUGE measures on token lists, as google-research {@code rouge/rouge_scorer.py} computes them (which
 * reproduces ROUGE-1.5.5 with {@code -n 2}). The reference is the target, the prediction the candidate: precision
 * divides by the prediction's size, recall by the reference's.
 */
public final class RougeMeasures {

    private RougeMeasures() {}

    /**
     * ROUGE-N: n-grams of the two sides with their counts, matches clipped to the smaller count. Precision and recall
     * divide by {@code max(count, 1)}, so a side too short for one n-gram scores 0 instead of dividing by zero.
     */
    public static RougeScore rougeN(List<String> reference, List<String> prediction, int n) {
        if (n < 1) {
            throw new IllegalArgumentException("ROUGE-N needs n >= 1, was " + n);
        }
        Map<List<String>, Integer> ref = ngrams(reference, n);
        Map<List<String>, Integer> pred = ngrams(prediction, n);
        int overlap = 0;
        for (Map.Entry<List<String>, Integer> e : ref.entrySet()) {
            overlap += Math.min(e.getValue(), pred.getOrDefault(e.getKey(), 0));
        }
        int refCount = Math.max(0, reference.size() - n + 1);
        int predCount = Math.max(0, prediction.size() - n + 1);
        return RougeScore.of(overlap / (double) Math.max(predCount, 1), overlap / (double) Math.max(refCount, 1));
    }

    static Map<List<String>, Integer> ngrams(List<String> tokens, int n) {
        Map<List<String>, Integer> counts = new HashMap<>();
        for (int i = 0; i + n <= tokens.size(); i++) {
            counts.merge(List.copyOf(tokens.subList(i, i + n)), 1, Integer::sum);
        }
        return counts;
    }

    /** ROUGE-L: the longest common subsequence over each side's length; all 0 when either side is empty. */
    public static RougeScore rougeL(List<String> reference, List<String> prediction) {
        if (reference.isEmpty() || prediction.isEmpty()) {
            return RougeScore.ZERO;
        }
        int lcs = lcsTable(reference, prediction)[reference.size()][prediction.size()];
        return RougeScore.of(lcs / (double) prediction.size(), lcs / (double) reference.size());
    }

    /**
     * ROUGE-Lsum, summary-level LCS (ROUGE paper section 3.2, as ROUGE-1.5.5 and rouge_score implement it): for each
     * reference sentence, the union of its LCS with every prediction sentence (as positions in the reference
     * sentence) counts as hits, but each token counts at most as often as it occurs in the whole reference and in
     * the whole prediction, so a token matched from two sentences is not counted twice.
     *
     * @param reference the reference's sentences, each tokenised (empty sentences allowed)
     * @param prediction the prediction's sentences, likewise
     */
    public static RougeScore rougeLsum(List<List<String>> reference, List<List<String>> prediction) {
        int m = reference.stream().mapToInt(List::size).sum();
        int n = prediction.stream().mapToInt(List::size).sum();
        if (m == 0 || n == 0) {
            return RougeScore.ZERO;
        }
        Map<String, Integer> refCounts = counts(reference);
        Map<String, Integer> predCounts = counts(prediction);
        int hits = 0;
        for (List<String> sentence : reference) {
            for (String token : unionLcs(sentence, prediction)) {
                if (predCounts.getOrDefault(token, 0) > 0 && refCounts.getOrDefault(token, 0) > 0) {
                    hits++;
                    predCounts.merge(token, -1, Integer::sum);
                    refCounts.merge(token, -1, Integer::sum);
                }
            }
        }
        return RougeScore.of(hits / (double) n, hits / (double) m);
    }

    private static Map<String, Integer> counts(List<List<String>> sentences) {
        Map<String, Integer> counts = new HashMap<>();
        sentences.forEach(s -> s.forEach(t -> counts.merge(t, 1, Integer::sum)));
        return counts;
    }

    /** The tokens of {@code reference} at the union of the positions of its LCS with each candidate, in order. */
    static List<String> unionLcs(List<String> reference, List<List<String>> candidates) {
        TreeSet<Integer> positions = new TreeSet<>();
        for (List<String> candidate : candidates) {
            positions.addAll(lcsPositions(reference, candidate));
        }
        List<String> tokens = new ArrayList<>(positions.size());
        positions.forEach(i -> tokens.add(reference.get(i)));
        return tokens;
    }

    /** {@code t[i][j]} = LCS length of the first i reference tokens and the first j candidate tokens. */
    static int[][] lcsTable(List<?> reference, List<?> candidate) {
        int rows = reference.size();
        int cols = candidate.size();
        int[][] t = new int[rows + 1][cols + 1];
        for (int i = 1; i <= rows; i++) {
            for (int j = 1; j <= cols; j++) {
                t[i][j] = reference.get(i - 1).equals(candidate.get(j - 1)) ? t[i - 1][j - 1] + 1
                        : Math.max(t[i - 1][j], t[i][j - 1]);
            }
        }
        return t;
    }

    /**
     * One LCS, as positions in {@code reference}, read back from the table with rouge_score's tie-breaking
     * ({@code _backtrack_norec}: on a tie, drop a reference token). Which of several equally long LCSs is read
     * matters: the union in ROUGE-Lsum depends on it.
     */
    static List<Integer> lcsPositions(List<?> reference, List<?> candidate) {
        int[][] t = lcsTable(reference, candidate);
        int i = reference.size();
        int j = candidate.size();
        List<Integer> positions = new ArrayList<>();
        while (i > 0 && j > 0) {
            if (reference.get(i - 1).equals(candidate.get(j - 1))) {
                positions.add(0, i - 1);
                i--;
                j--;
            } else if (t[i][j - 1] > t[i - 1][j]) {
                j--;
            } else {
                i--;
            }
        }
        return positions;
    }
}
