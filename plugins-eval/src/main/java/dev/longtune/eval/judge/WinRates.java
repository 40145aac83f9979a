package dev.longtune.eval.judge;

import java.util.Collection;

/**
 * The candidate's tally over judged items, and the rates {@code display_result_pairwise} in FastChat's
 * {@code fastchat/llm_judge/show_result.py} prints: {@code win_rate = W/(W+L+T)}, {@code loss_rate = L/(W+L+T)},
 * {@code win_rate_adjusted = (W + 0.5·T)/(W+L+T)} ("each tie counts as 0.5 win + 0.5 loss"). Errors are counted
 * but, as there, left out of every rate.
 */
record WinRates(int wins, int losses, int ties, int errors) {

    static WinRates of(Collection<Verdict.Outcome> outcomes) {
        int w = 0;
        int l = 0;
        int t = 0;
        int e = 0;
        for (Verdict.Outcome o : outcomes) {
            switch (o) {
                case WIN -> w++;
                case LOSS -> l++;
                case TIE -> t++;
                case ERROR -> e++;
            }
        }
        return new WinRates(w, l, t, e);
    }

    /** Items with a verdict: the denominator of every rate. */
    int decided() {
        return wins + losses + ties;
    }

    int items() {
        return decided() + errors;
    }

    double winRate() {
        return wins / (double) decided();
    }

    double lossRate() {
        return losses / (double) decided();
    }

    double winRateAdjusted() {
        return (wins + 0.5 * ties) / decided();
    }
}
