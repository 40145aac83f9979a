package dev.longtune.eval.bleu;

import java.util.Arrays;

/**
 * BLEU's sufficient statistics, summed over segments: hypothesis and (closest) reference lengths, and per n-gram
 * order the clipped matches and the hypothesis n-grams. Corpus BLEU adds these up before computing anything, which is
 * why it is not the mean of sentence BLEUs.
 */
public record BleuStats(int sysLen, int refLen, int[] correct, int[] total) {

    public static BleuStats zero(int maxOrder) {
        return new BleuStats(0, 0, new int[maxOrder], new int[maxOrder]);
    }

    public BleuStats plus(BleuStats o) {
        int[] c = correct.clone();
        int[] t = total.clone();
        for (int i = 0; i < c.length; i++) {
            c[i] += o.correct[i];
            t[i] += o.total[i];
        }
        return new BleuStats(sysLen + o.sysLen, refLen + o.refLen, c, t);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BleuStats s && sysLen == s.sysLen && refLen == s.refLen
                && Arrays.equals(correct, s.correct) && Arrays.equals(total, s.total);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * sysLen + refLen) + 7 * Arrays.hashCode(correct) + Arrays.hashCode(total);
    }

    @Override
    public String toString() {
        return "BleuStats[sys_len=" + sysLen + ", ref_len=" + refLen + ", correct=" + Arrays.toString(correct)
                + ", total=" + Arrays.toString(total) + "]";
    }
}
