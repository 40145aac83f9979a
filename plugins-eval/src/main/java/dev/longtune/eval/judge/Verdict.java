package dev.longtune.eval.judge;

/**
 * Reading a judgment and combining the two orders, exactly as FastChat does (numerics spec F, "FC"):
 * <ul>
 *   <li>{@link #parse}: {@code run_judge_pair} in {@code lm-sys/FastChat fastchat/llm_judge/common.py} — substring
 *       tests in this order: {@code "[[A]]"}, {@code "[[B]]"}, {@code "[[C]]"} (tie), else {@code "error"};
 *   <li>{@link #game1}/{@link #game2}: {@code play_a_match_pair}'s {@code g1_map = {"A": "model_1", "B": "model_2"}}
 *       and {@code g2_map = {"A": "model_2", "B": "model_1"}}, with model_1 the candidate;
 *   <li>{@link #combine}: {@code display_result_pairwise} in {@code fastchat/llm_judge/show_result.py} — rows where
 *       either game is {@code "error"} are dropped before counting; a row is a tie when
 *       {@code g1_winner == "tie" or g1_winner != g2_winner}, otherwise g1's winner wins.
 * </ul>
 */
final class Verdict {

    /** What one game's judgment says, in its own A/B letters. */
    enum Letter { A, B, TIE, ERROR }

    /** One game's verdict mapped back to the contestants. */
    enum Winner { CANDIDATE, OPPONENT, TIE, ERROR }

    /** The item's result from the candidate's side. {@code ERROR}: dropped from the rates, as FastChat does. */
    enum Outcome { WIN, LOSS, TIE, ERROR }

    private Verdict() {}

    static Letter parse(String judgment) {
        if (judgment.contains("[[A]]")) {
            return Letter.A;
        } else if (judgment.contains("[[B]]")) {
            return Letter.B;
        } else if (judgment.contains("[[C]]")) {
            return Letter.TIE;
        }
        return Letter.ERROR;
    }

    /** Game 1 shows the candidate as A and the opponent as B. */
    static Winner game1(Letter letter) {
        return switch (letter) {
            case A -> Winner.CANDIDATE;
            case B -> Winner.OPPONENT;
            case TIE -> Winner.TIE;
            case ERROR -> Winner.ERROR;
        };
    }

    /** Game 2 shows them swapped: the opponent as A, the candidate as B. */
    static Winner game2(Letter letter) {
        return switch (letter) {
            case A -> Winner.OPPONENT;
            case B -> Winner.CANDIDATE;
            case TIE -> Winner.TIE;
            case ERROR -> Winner.ERROR;
        };
    }

    static Outcome combine(Winner g1, Winner g2) {
        if (g1 == Winner.ERROR || g2 == Winner.ERROR) {
            return Outcome.ERROR;
        }
        if (g1 == Winner.TIE || g1 != g2) {
            return Outcome.TIE;
        }
        return g1 == Winner.CANDIDATE ? Outcome.WIN : Outcome.LOSS;
    }
}
