package dev.longtune.eval.judge;

import static dev.longtune.eval.judge.Verdict.Outcome.ERROR;
import static dev.longtune.eval.judge.Verdict.Outcome.LOSS;
import static dev.longtune.eval.judge.Verdict.Outcome.TIE;
import static dev.longtune.eval.judge.Verdict.Outcome.WIN;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Parsing and combining, against FastChat's code read by hand: {@code run_judge_pair} (substring tests A, B, C) and
 * {@code show_result.py} ({@code g1 == "tie" or g1 != g2} → tie; rows with an error dropped).
 */
class VerdictTest {

    @Test
    void parsesBySubstringInFastChatsOrder() {
        assertEquals(Verdict.Letter.A, Verdict.parse("Assistant A is better. [[A]]"));
        assertEquals(Verdict.Letter.B, Verdict.parse("[[B]]"));
        assertEquals(Verdict.Letter.TIE, Verdict.parse("It is a tie: [[C]]."));
        assertEquals(Verdict.Letter.A, Verdict.parse("not [[B]], rather [[A]]"), "[[A]] is tested first");
        assertEquals(Verdict.Letter.B, Verdict.parse("[[C]] ... final: [[B]]"), "[[B]] before [[C]]");
        for (String garbage : List.of("", "A", "[A]", "[[a]]", "[[ A ]]", "Verdict: A", "[[D]]", "$ERROR$")) {
            assertEquals(Verdict.Letter.ERROR, Verdict.parse(garbage), garbage);
        }
    }

    @Test
    void gameTwoLettersAreMappedBackThroughTheSwap() {
        assertEquals(Verdict.Winner.CANDIDATE, Verdict.game1(Verdict.Letter.A));
        assertEquals(Verdict.Winner.OPPONENT, Verdict.game1(Verdict.Letter.B));
        assertEquals(Verdict.Winner.OPPONENT, Verdict.game2(Verdict.Letter.A));
        assertEquals(Verdict.Winner.CANDIDATE, Verdict.game2(Verdict.Letter.B));
        assertEquals(Verdict.Winner.TIE, Verdict.game2(Verdict.Letter.TIE));
        assertEquals(Verdict.Winner.ERROR, Verdict.game2(Verdict.Letter.ERROR));
    }

    @Test
    void combinesEveryPairOfLettersAsShowResultDoes() {
        // Rows: game-1 letter; columns: game-2 letter (A, B, C, error). Worked by hand from show_result.py.
        Verdict.Letter[] letters = Verdict.Letter.values();
        Verdict.Outcome[][] expected = {
            // g2:  A     B     C     error
            {TIE, WIN, TIE, ERROR},   // g1 A: candidate; g2 B is the candidate too → win
            {LOSS, TIE, TIE, ERROR},  // g1 B: opponent; g2 A is the opponent too → loss
            {TIE, TIE, TIE, ERROR},   // g1 C: tie whatever g2 says
            {ERROR, ERROR, ERROR, ERROR},
        };
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 4; j++) {
                assertEquals(expected[i][j], Verdict.combine(Verdict.game1(letters[i]), Verdict.game2(letters[j])),
                        "g1 " + letters[i] + ", g2 " + letters[j]);
            }
        }
    }

    @Test
    void ratesAreFastChatsWorkedByHand() {
        WinRates r = WinRates.of(List.of(WIN, WIN, WIN, LOSS, TIE, TIE, ERROR));
        assertEquals(6, r.decided());
        assertEquals(7, r.items());
        assertEquals(0.5, r.winRate(), 1e-15);                 // 3/6
        assertEquals(1.0 / 6, r.lossRate(), 1e-15);           // 1/6
        assertEquals(4.0 / 6, r.winRateAdjusted(), 1e-15);    // (3 + 0.5·2)/6
    }

    @Test
    void thePromptIsPairV2FilledOnceWithoutTouchingTheAnswers() {
        String user = PairwisePrompt.user("Why {x}?", "uses {answer_b} literally", "B's");
        assertEquals("[User Question]\nWhy {x}?\n\n[The Start of Assistant A's Answer]\nuses {answer_b} literally\n"
                + "[The End of Assistant A's Answer]\n\n[The Start of Assistant B's Answer]\nB's\n"
                + "[The End of Assistant B's Answer]", user);
        assertEquals(true, PairwisePrompt.SYSTEM.endsWith("output your final verdict by strictly following this "
                + "format: \"[[A]]\" if assistant A is better, \"[[B]]\" if assistant B is better, and \"[[C]]\" for a "
                + "tie."));
    }
}
