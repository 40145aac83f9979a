package dev.longtune.eval.rouge;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The measures on token lists: the spec's definitions (numerics spec F) worked by hand, and rouge_score's own
 * helper tests (google-research/google-research {@code rouge/rouge_scorer_test.py}: {@code testLcsTable},
 * {@code testUnionLcs}, {@code testSummaryLevelLcs}).
 */
class RougeMeasuresTest {

    private static final double EPS = 1e-12;

    private static List<String> t(String spaced) {
        return spaced.isEmpty() ? List.of() : List.of(spaced.split(" "));
    }

    private static void assertScore(double p, double r, double f, RougeScore s) {
        assertEquals(p, s.precision(), EPS, "precision");
        assertEquals(r, s.recall(), EPS, "recall");
        assertEquals(f, s.fmeasure(), EPS, "F");
    }

    @Test
    void workedExampleOneWordChanged() {
        // ref: the cat sat on the mat / pred: the cat lay on the mat (6 tokens each).
        List<String> ref = t("the cat sat on the mat");
        List<String> pred = t("the cat lay on the mat");
        // Unigrams: the (2, clipped 2), cat, on, mat -> 5 of 6 on both sides.
        assertScore(5 / 6.0, 5 / 6.0, 5 / 6.0, RougeMeasures.rougeN(ref, pred, 1));
        // Bigrams: "the cat", "on the", "the mat" -> 3 of 5.
        assertScore(0.6, 0.6, 0.6, RougeMeasures.rougeN(ref, pred, 2));
        // LCS "the cat on the mat" = 5.
        assertScore(5 / 6.0, 5 / 6.0, 5 / 6.0, RougeMeasures.rougeL(ref, pred));
        assertScore(5 / 6.0, 5 / 6.0, 5 / 6.0, RougeMeasures.rougeLsum(List.of(ref), List.of(pred)));
    }

    @Test
    void ngramCountsAreClipped() {
        // "the" x3 in the reference, x6 in the prediction: 3 matches. P = 3/6, R = 3/3, F = 2/3.
        assertScore(0.5, 1.0, 2 / 3.0, RougeMeasures.rougeN(t("the the the"), t("the the the the the the"), 1));
        // Bigrams: "the the" x2 vs x5 -> 2 matches. P = 2/5, R = 1, F = 2(0.4)/(1.4).
        assertScore(0.4, 1.0, 0.8 / 1.4, RougeMeasures.rougeN(t("the the the"), t("the the the the the the"), 2));
    }

    @Test
    void tooShortForAnNgramScoresZeroNotNaN() {
        // One token has no bigram: rouge_score divides by max(count, 1).
        assertScore(0, 0, 0, RougeMeasures.rougeN(t("one"), t("one"), 2));
    }

    @Test
    void emptySidesScoreZero() {
        assertEquals(RougeScore.ZERO, RougeMeasures.rougeL(t(""), t("a")));
        assertEquals(RougeScore.ZERO, RougeMeasures.rougeL(t("a"), t("")));
        assertEquals(RougeScore.ZERO, RougeMeasures.rougeN(t(""), t(""), 1));
        assertEquals(RougeScore.ZERO, RougeMeasures.rougeLsum(List.of(), List.of(t("a"))));
        // testSummaryLevelLcs: "Tokenizer may drop all tokens, resulting in empty candidate list."
        assertEquals(0.0, RougeMeasures.rougeLsum(List.of(t("reference")), List.of(t(""))).recall());
    }

    @Test
    void summaryLevelLcsClipsTokensMatchedFromTwoSentences() {
        // Worked by hand. ref sentences [a b], [a c]; prediction [a b c] (a once).
        // [a b] vs [a b c]: LCS a b -> hits a, b (prediction's a is used up).
        // [a c] vs [a b c]: LCS a c -> a is not counted again, c is. hits = 3 of m = 4 (R) and n = 3 (P).
        assertScore(1.0, 0.75, 6 / 7.0, RougeMeasures.rougeLsum(List.of(t("a b"), t("a c")), List.of(t("a b c"))));
    }

    @Test
    void testLcsTable() {
        List<Integer> ref = List.of(1, 2, 3, 4, 5);
        List<Integer> c1 = List.of(2, 5, 3, 4);
        assertEquals(3, RougeMeasures.lcsTable(ref, c1)[5][4]);
        assertEquals(List.of(1, 2, 3), RougeMeasures.lcsPositions(ref, c1));
        List<Integer> c2 = List.of(8, 9);
        assertEquals(0, RougeMeasures.lcsTable(ref, c2)[5][2]);
        assertEquals(List.of(), RougeMeasures.lcsPositions(ref, c2));
    }

    @Test
    void testUnionLcs() {
        // Section 3.2 of Lin (2004), as the rouge_score test writes it.
        List<String> ref = t("1 2 3 4 5");
        List<String> c1 = t("1 2 6 7 8"); // lcs = [1, 2]
        List<String> c2 = t("1 3 8 9 5"); // lcs = [1, 3, 5]
        assertEquals(t("1 2 3 5"), RougeMeasures.unionLcs(ref, List.of(c1, c2)));
        assertEquals(t("1 2 3 5"), RougeMeasures.unionLcs(ref, List.of(c2, c1)));
    }

    @Test
    void testSummaryLevelLcs() {
        RougeScore s = RougeMeasures.rougeLsum(List.of(t("1 2 3 4 5")), List.of(t("1 2 6 7 8"), t("1 3 8 9 5")));
        assertEquals(0.8, s.recall()); // 4 / 5
        assertEquals(0.4, s.precision()); // 4 / 10
        assertEquals(0.5333, s.fmeasure(), 5e-4);
    }

    @Test
    void backtrackingBreaksTiesLikeTheReference() {
        // [a b] vs [b a]: two LCSs of length 1 ("a" at reference position 0, "b" at 1). rouge_score's
        // _backtrack_norec at (2,2): b != a and t[2][1] == t[1][2] (not greater), so it drops a reference token
        // (i -= 1); at (1,2) a == a: position 0. Choosing "b" instead would change rougeLsum unions.
        assertEquals(List.of(0), RougeMeasures.lcsPositions(t("a b"), t("b a")));
    }
}
