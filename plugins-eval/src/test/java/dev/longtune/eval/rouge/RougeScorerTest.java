package dev.longtune.eval.rouge;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * Published values from rouge_score's own tests (google-research/google-research, {@code rouge/rouge_scorer_test.py},
 * class {@code RougeScorerTest}; the "AgainstRouge155" expectations are, per that file, "taken from manual runs of
 * ROUGE-1.5.5"), each test named after the one it reproduces. Their inputs are quoted from {@code rouge/testdata/}:
 * {@code target.txt} and {@code prediction.txt} (lines read with {@code readlines()}, so each keeps its "\n") and
 * {@code pyrouge_files/target_multi.0.txt}, {@code pyrouge_files/prediction_multi.0.txt} (whole files).
 */
class RougeScorerTest {

    static final String TARGET_0 = "ZfbCUIUuePaiLVUlCaUXxkpu XPeWing tUHfPMuZ',-Xd Y BrUgVJing M-HV.-DgdDaY.rFDJCRing "
            + "Ht-LM EKBDXkME,yz'RBr q'wtion wIojNbN wL,b .a-'XdQggyFl jB-RPP'iyOIcUxer tKM L\n";
    static final String TARGET_1 = "KsJdPByEtAor fE-Qg Dpdbring cw-WeFyu vC MoBL Xdn g wkvcEiGvKtion BDFhrpMtion psing "
            + "sbKao Q m qiing LMmer HqqLFXe,XPY,J XsurkMer ,ed nB'wH'bWVHjWFEing tQ.saefZwJtKrTlixYpMMsJing "
            + "UCAPwNHeYVjDing c T BUySKtion gMPfJpwGw p'NvxAoping eu pBwMBKV'I DNxqelhu,PHPxDEq,mtion SN\n";
    static final String PREDICTION_0 = "rFDJCRtion Ht-LM EKtDXkME,yz'RBr q'wer wrojNbN wL,b .a-'XdQggyFl "
            + "jB-RPP'iyOIcUxi\n";
    static final String PREDICTION_1 = "n cw-WeFyu vC MoBL Xdn g wkvcEiGvKtion BDFhrpMer pstion sbKao Q m qier LMmed "
            + "HqqLFXe,XPY,J XsurkMeo ,ed nB'wH'bWVHjWFEer tQ.saefZwJtKrTlixYpMMNJtion UCAPwNHeYVjD\n";
    static final String TARGET_MULTI_0 = TARGET_0 + TARGET_1
            + "NhETebUbBk'er WOvoHMTjSRizKgH'vHiing Xu,hWxfs VkNE QhgKiLHE -HidivzoM.dO anhtion jbLQiSGDTCsuhREebUaKM "
            + "dv J dVN tmbOT\n"
            + "vMR HDm,xOAetion D,tion HJtodT.mHl UIv-p VjWH'BdyWjnfGU-OjT aEMdFICyLWfQMtion wEMfdOKing AwkeKbO "
            + "'DxqNOHBH qKtVvm OYJl mM\n";
    static final String PREDICTION_MULTI_0 = PREDICTION_0 + PREDICTION_1
            + "xfs VkJE QhgKiLHE -HidivzoM.dO anhing jbLQiSGDTCsuhREebUaKM dv J\n"
            + "VjWH'BdyWjnfGU-OjTNaEMdFICyLWfQMing wEMfdOKijg AwkeKbO 'DxqNO\n";

    private static final RougeScorer PLAIN = new RougeScorer(false);
    private static final RougeScorer STEMMED = new RougeScorer(true);

    /** assertAlmostEqual(expected, actual, places): |difference| rounds to 0 at that many decimals. */
    private static void almost(double expected, double actual, int places) {
        assertEquals(0.0, Math.round((expected - actual) * Math.pow(10, places)), 0.0,
                "expected " + expected + " to " + places + " places, was " + actual);
    }

    private static void almost(RougeScore s, double precision, double recall, double f, int places) {
        almost(precision, s.precision(), places);
        almost(recall, s.recall(), places);
        almost(f, s.fmeasure(), places);
    }

    @Test
    void testRouge1() {
        almost(PLAIN.score("testing one two", "testing").rouge1(), 1, 1 / 3.0, 1 / 2.0, 7);
    }

    @Test
    void testRougeEmpty() {
        RougeScorer.Scores s = PLAIN.score("testing one two", "");
        for (RougeScore r : new RougeScore[] {s.rouge1(), s.rouge2(), s.rougeL(), s.rougeLsum()}) {
            assertEquals(RougeScore.ZERO, r);
        }
    }

    @Test
    void testRouge2() {
        almost(PLAIN.score("testing one two", "testing one").rouge2(), 1, 1 / 2.0, 2 / 3.0, 7);
    }

    @Test
    void testRougeLConsecutiveAndNonConsecutive() {
        almost(PLAIN.score("testing one two", "testing one").rougeL(), 1, 2 / 3.0, 4 / 5.0, 7);
        almost(PLAIN.score("testing one two", "testing two").rougeL(), 1, 2 / 3.0, 4 / 5.0, 7);
    }

    @Test
    void testMultipleRougeTypes() {
        RougeScorer.Scores s = PLAIN.score("testing one two", "testing one");
        almost(s.rouge1(), 1, 2 / 3.0, 4 / 5.0, 7);
        almost(s.rougeL(), 1, 2 / 3.0, 4 / 5.0, 7);
    }

    @Test
    void testRouge1AgainstRouge155() {
        almost(PLAIN.score(TARGET_0, PREDICTION_0).rouge1(), 0.68750, 0.40741, 0.51163, 5);
        almost(PLAIN.score(TARGET_1, PREDICTION_1).rouge1(), 0.65385, 0.40476, 0.50000, 5);
    }

    @Test
    void testRouge1AgainstRouge155WithStemming() {
        almost(STEMMED.score(TARGET_0, PREDICTION_0).rouge1(), 0.68750, 0.40741, 0.51163, 5);
        // Stemming matters for this pair (recall 0.40476 -> 0.42857: one more of the 42 target tokens matches).
        almost(STEMMED.score(TARGET_1, PREDICTION_1).rouge1(), 0.69231, 0.42857, 0.52941, 5);
    }

    @Test
    void testRouge2AgainstRouge155() {
        almost(PLAIN.score(TARGET_0, PREDICTION_0).rouge2(), 0.53333, 0.30769, 0.39024, 5);
        almost(PLAIN.score(TARGET_1, PREDICTION_1).rouge2(), 0.48000, 0.29268, 0.36364, 5);
    }

    @Test
    void testRouge2AgainstRouge155WithStemming() {
        almost(STEMMED.score(TARGET_0, PREDICTION_0).rouge2(), 0.53333, 0.30769, 0.39024, 5);
        almost(STEMMED.score(TARGET_1, PREDICTION_1).rouge2(), 0.48000, 0.29268, 0.36364, 5);
    }

    @Test
    void testRougeLAgainstRouge155() {
        almost(PLAIN.score(TARGET_0, PREDICTION_0).rougeL(), 0.68750, 0.40741, 0.51163, 5);
        almost(PLAIN.score(TARGET_1, PREDICTION_1).rougeL(), 0.65385, 0.40476, 0.50000, 5);
    }

    @Test
    void testRougeLSumAgainstRouge155WithStemming() {
        almost(STEMMED.score(TARGET_MULTI_0, PREDICTION_MULTI_0).rougeLsum(), 0.66667, 0.36538, 0.47205, 5);
    }

    @Test
    void testRougeLsum() {
        almost(PLAIN.score("w1 w2 w3 w4 w5", "w1 w2 w6 w7 w8\nw1 w3 w8 w9 w5").rougeLsum(), 0.4, 0.8, 0.5333, 3);
        assertEquals(RougeScore.ZERO, PLAIN.score("w1 w2 w3 w4 w5", "").rougeLsum());
        assertEquals(RougeScore.ZERO, PLAIN.score("", "w1").rougeLsum());
        // "Case in which summary is all non-word characters."
        assertEquals(RougeScore.ZERO, PLAIN.score("w1 w2 w3 w4 w5", "/").rougeLsum());
    }

    @Test
    void rougeLsumDiffersFromRougeLWhenSentenceOrderChanges() {
        // Worked by hand: ref sentences [a b c] and [d e]; the prediction says them in the other order.
        // rougeL over the whole text: LCS of [a b c d e] and [d e a b c] is 3 (a b c): P = R = F = 3/5.
        // rougeLsum: union LCS of [a b c] with {[d e], [a b c]} = 3 hits, of [d e] with them = 2: P = R = F = 1.
        RougeScorer.Scores s = PLAIN.score("a b c\nd e", "d e\na b c");
        assertEquals(RougeScore.of(0.6, 0.6), s.rougeL());
        assertEquals(RougeScore.of(1.0, 1.0), s.rougeLsum());
    }
}
