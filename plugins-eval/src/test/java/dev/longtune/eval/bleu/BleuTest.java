package dev.longtune.eval.bleu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * Published values from sacrebleu (mjpost/sacrebleu): {@code test/test_bleu.py}, {@code test/test_sentence_bleu.py}
 * and the README's Python examples, each test named after the one it reproduces, with the same tolerance.
 */
class BleuTest {

    // test/test_bleu.py: _refs (two reference streams) and _hyps, also the README's example.
    private static final List<String> REFS_1 = List.of("The dog bit the man.", "It was not unexpected.",
            "The man bit him first.");
    private static final List<String> REFS_2 = List.of("The dog had bit the man.", "No one was surprised.",
            "The man had bitten the dog.");
    private static final List<String> HYPS = List.of("The dog bit the man.", "It wasn't surprising.",
            "The man had just bitten him.");

    /** sacrebleu takes reference streams; this API takes each hypothesis's references. */
    private static List<List<String>> perHypothesis(List<List<String>> streams) {
        List<List<String>> out = new ArrayList<>();
        for (int i = 0; i < streams.get(0).size(); i++) {
            List<String> refs = new ArrayList<>();
            for (List<String> s : streams) {
                refs.add(s.get(i));
            }
            out.add(refs);
        }
        return out;
    }

    private static final List<List<String>> REFS = perHypothesis(List.of(REFS_1, REFS_2));

    private static Bleu bleu(BleuTokenizer tok, Smoothing smoothing, double value, int order, boolean eff) {
        return new Bleu(tok, false, smoothing, value, order, eff);
    }

    /** compat.raw_corpus_bleu: no tokenisation, floor smoothing with the given value, effective order. */
    private static double rawCorpusBleu(List<String> hyps, List<List<String>> streams, double floor) {
        return bleu(BleuTokenizer.NONE, Smoothing.FLOOR, floor, 4, true).corpusScore(hyps, perHypothesis(streams))
                .score() / 100;
    }

    private static final double EPSILON = 1e-8;

    @Test
    void testCorpusBleu() {
        assertEquals(48.530827, Bleu.corpusDefaults().corpusScore(HYPS, REFS).score(), EPSILON);
        // "ensure that empty hypotheses are not removed"
        assertEquals(0.0, Bleu.corpusDefaults().corpusScore(List.of("", "", ""), REFS).score(), EPSILON);
        assertEquals(49.1919566, bleu(BleuTokenizer.NONE, Smoothing.EXP, Double.NaN, 4, false)
                .corpusScore(HYPS, REFS).score(), EPSILON);
        assertEquals(48.530827, bleu(BleuTokenizer.THIRTEEN_A, Smoothing.NONE, Double.NaN, 4, false)
                .corpusScore(HYPS, REFS).score(), EPSILON);
    }

    @Test
    void readmeCorpusScoreBreakdown() {
        // README "Using SacreBLEU from Python":
        // BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)
        BleuScore s = Bleu.corpusDefaults().corpusScore(HYPS, REFS);
        assertEquals("48.53 82.4/50.0/45.5/37.5 (BP = 0.943 hyp_len = 17 ref_len = 18)", verbose(s));
    }

    @Test
    void readmeVariableNumberOfReferences() {
        // README "Variable Number of References": the first hypothesis's first reference is ''.
        // BLEU = 29.44 82.4/42.9/27.3/12.5 (BP = 0.889 ratio = 0.895 hyp_len = 17 ref_len = 19)
        List<String> first = List.of("", REFS_1.get(1), REFS_1.get(2));
        BleuScore s = Bleu.corpusDefaults().corpusScore(HYPS, perHypothesis(List.of(first, REFS_2)));
        assertEquals("29.44 82.4/42.9/27.3/12.5 (BP = 0.889 hyp_len = 17 ref_len = 19)", verbose(s));
    }

    private static String verbose(BleuScore s) {
        StringBuilder p = new StringBuilder();
        for (double x : s.precisions()) {
            p.append(p.length() == 0 ? "" : "/").append(String.format(Locale.ROOT, "%.1f", x));
        }
        return String.format(Locale.ROOT, "%.2f %s (BP = %.3f hyp_len = %d ref_len = %d)", s.score(), p, s.bp(),
                s.sysLen(), s.refLen());
    }

    @Test
    void testMaxNgramOrder() {
        String[] expected = {"77.65", "60.50", "53.93", "48.53", "46.14", "43.28"};
        for (int order = 1; order <= 6; order++) {
            double score = bleu(BleuTokenizer.THIRTEEN_A, Smoothing.EXP, Double.NaN, order, false)
                    .corpusScore(HYPS, REFS).score();
            assertEquals(expected[order - 1], String.format(Locale.ROOT, "%.2f", score), "order " + order);
        }
    }

    @Test
    void testRawBleu() {
        assertEquals(0.0, rawCorpusBleu(List.of("this is a test", "another test"), List.of(List.of("ref1", "ref2")),
                .01), EPSILON);
        assertEquals(1.0, rawCorpusBleu(List.of("this is a test"), List.of(List.of("this is a test")), .01), EPSILON);
        assertEquals(0.223606797749979, rawCorpusBleu(List.of("this is a fest"), List.of(List.of("this is a test")),
                .01), EPSILON);
    }

    @Test
    void testEffectiveOrder() {
        assertEquals(0.3678794411714425, rawCorpusBleu(List.of("test"), List.of(List.of("a test")), .01), EPSILON);
        assertEquals(1.0, rawCorpusBleu(List.of("a test"), List.of(List.of("a test")), .01), EPSILON);
        assertEquals(0.03218297948685433, rawCorpusBleu(List.of("a little test"), List.of(List.of("a test")), .01),
                EPSILON);
    }

    @Test
    void testStatistics() {
        BleuStats s = bleu(BleuTokenizer.NONE, Smoothing.FLOOR, .01, 4, true).segmentStats(
                "am I am a character sequence", List.of("I am a symbol string sequence a a"));
        assertArrayEquals(new int[] {4, 2, 1, 0}, s.correct());
        assertArrayEquals(new int[] {6, 5, 4, 3}, s.total());
    }

    @Test
    void testOffset() {
        List<String> hyp = List.of("am I am a character sequence");
        List<List<String>> ref = List.of(List.of("I am a symbol string sequence a a"));
        assertEquals(0.0, rawCorpusBleu(hyp, ref, 0.0), EPSILON);
        // "let it use BLEU's internal default of 0.1"
        assertEquals(0.1555722182, rawCorpusBleu(hyp, ref, Double.NaN), EPSILON);
    }

    @Test
    void testScoring() {
        // BLEU.compute_bleu([9, 7, 5, 3], [10, 8, 6, 4], 11, 11) with its defaults (smooth_method 'none').
        BleuStats stats = new BleuStats(11, 11, new int[] {9, 7, 5, 3}, new int[] {10, 8, 6, 4});
        assertEquals(0.8375922397, bleu(BleuTokenizer.NONE, Smoothing.NONE, Double.NaN, 4, false).compute(stats)
                .score() / 100, EPSILON);
    }

    @Test
    void testDegenerateStatistics() {
        Object[][] cases = {
            {new int[] {0, 0, 0, 0}, new int[] {4, 4, 2, 1}, 0, 1, 0.0},
            {new int[] {0, 0, 0, 0}, new int[] {10, 11, 12, 0}, 14, 10, 0.0},
            {new int[] {0, 0, 0, 0}, new int[] {0, 0, 0, 0}, 0, 0, 0.0},
            {new int[] {6, 5, 4, 0}, new int[] {6, 5, 4, 3}, 6, 6, 0.0},
            {new int[] {0, 0, 0, 0}, new int[] {0, 0, 0, 0}, 0, 0, 0.1},
            {new int[] {0, 0, 0, 0}, new int[] {0, 0, 0, 0}, 1, 5, 0.01}};
        for (Object[] c : cases) {
            BleuStats stats = new BleuStats((int) c[2], (int) c[3], (int[]) c[0], (int[]) c[1]);
            assertEquals(0.0, bleu(BleuTokenizer.NONE, Smoothing.FLOOR, (double) c[4], 4, false).compute(stats)
                    .score() / 100);
        }
    }

    // test/test_sentence_bleu.py, "Example taken from #98" (t-cedilla in the reference, t-comma in the system).
    private static final String REF = "produc\u0163ia de zah\u0103r brut se exprim\u0103 \u00een zah\u0103r alb;";
    private static final String SYS = "Produc\u021bia de zah\u0103r prim\u0103 va fi exprimat\u0103 \u00een ceea ce "
            + "prive\u0219te zah\u0103rul alb;";

    private static double sentenceBleu(String sys, String ref, Smoothing smoothing, double value,
            BleuTokenizer tok) {
        return new Bleu(tok, false, smoothing, value, 4, false).forSentences().sentenceScore(sys, List.of(ref))
                .score();
    }

    @Test
    void testApiSentenceBleu() {
        double eps = 1e-3;
        BleuTokenizer t13a = BleuTokenizer.THIRTEEN_A;
        assertEquals(8.493, sentenceBleu(SYS, REF, Smoothing.EXP, Double.NaN, t13a), eps);
        assertEquals(0.0, sentenceBleu(SYS, REF, Smoothing.NONE, Double.NaN, t13a), eps);
        assertEquals(4.51688, sentenceBleu(SYS, REF, Smoothing.FLOOR, Double.NaN, t13a), eps);
        assertEquals(4.51688, sentenceBleu(SYS, REF, Smoothing.FLOOR, 0.1, t13a), eps);
        assertEquals(10.10, sentenceBleu(SYS, REF, Smoothing.FLOOR, 0.5, t13a), eps);
        assertEquals(14.882, sentenceBleu(SYS, REF, Smoothing.ADD_K, Double.NaN, t13a), eps);
        assertEquals(14.882, sentenceBleu(SYS, REF, Smoothing.ADD_K, 1, t13a), eps);
        assertEquals(21.389, sentenceBleu(SYS, REF, Smoothing.ADD_K, 2, t13a), eps);
        assertEquals(7.347, sentenceBleu(SYS, REF, Smoothing.EXP, Double.NaN, BleuTokenizer.NONE), eps);
    }

    @Test
    void testApiSentenceBleuZero() {
        // "Example taken from #141": no n-gram matches at all gives 0 whatever the smoothing.
        for (Smoothing s : Smoothing.values()) {
            assertEquals(0.0, sentenceBleu("this is a cat", "okay thanks", s, Double.NaN, BleuTokenizer.THIRTEEN_A),
                    1e-3, s.label());
        }
        assertEquals(0.0, sentenceBleu("this is a cat", "okay thanks", Smoothing.FLOOR, 0.1,
                BleuTokenizer.THIRTEEN_A), 1e-3);
    }

    @Test
    void workedExampleByHand() {
        // hyp "this is a fest", ref "this is a test" (13a leaves both as 4 tokens):
        // p1 = 3/4, p2 = 2/3, p3 = 1/2, p4: 0 of 1, exp smoothing -> 1/(2*1). BP = 1.
        // BLEU = 100 * (3/4 * 2/3 * 1/2 * 1/2)^(1/4) = 100 * 0.125^(1/4).
        BleuScore s = Bleu.corpusDefaults().corpusScore(List.of("this is a fest"), List.of(List.of("this is a test")));
        assertEquals(100 * Math.pow(0.125, 0.25), s.score(), 1e-9);
        assertArrayEquals(new double[] {75, 200 / 3.0, 50, 50}, s.precisions(), 1e-12);
        // Shorter hypothesis: "this is" against 4 tokens: BP = exp(1 - 4/2); effective order stops at order 2.
        BleuScore shortHyp = Bleu.corpusDefaults().forSentences().sentenceScore("this is", List.of("this is a test"));
        assertEquals(Math.exp(-1), shortHyp.bp(), 1e-15);
        assertEquals(100 * Math.exp(-1), shortHyp.score(), 1e-9);
    }

    @Test
    void closestReferenceLengthPrefersTheShorterOnATie() {
        assertEquals(4, Bleu.closestRefLen(5, List.of(6, 4)));
        assertEquals(6, Bleu.closestRefLen(6, List.of(4, 6, 9)));
    }

    @Test
    void lowercaseMatchesAcrossCase() {
        Bleu lc = new Bleu(BleuTokenizer.THIRTEEN_A, true, Smoothing.EXP, Double.NaN, 4, false);
        assertEquals(100.0, lc.corpusScore(List.of("THE Dog bit."), List.of(List.of("the dog BIT."))).score(), 1e-9);
    }
}
