package dev.longtune.api.nd;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TokenLossTest {

    /** Reference: the cross-entropy definition evaluated in double precision with explicit loops. */
    private static double referenceNll(float[] logits, long[] labels, int b, int t, int v, boolean shift, long[] count) {
        double total = 0;
        long n = 0;
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < (shift ? t - 1 : t); j++) {
                long label = labels[i * t + j + (shift ? 1 : 0)];
                if (label == TokenLoss.IGNORE) {
                    continue;
                }
                int base = (i * t + j) * v;
                double max = Double.NEGATIVE_INFINITY;
                for (int k = 0; k < v; k++) {
                    max = Math.max(max, logits[base + k]);
                }
                double z = 0;
                for (int k = 0; k < v; k++) {
                    z += Math.exp(logits[base + k] - max);
                }
                total += -(logits[base + (int) label] - max - Math.log(z));
                n++;
            }
        }
        count[0] = n;
        return total;
    }

    @Test
    void shiftedNllMatchesTheDefinitionAndSkipsIgnoredLabels() {
        int b = 2, t = 5, v = 7;
        Random rnd = new Random(3);
        float[] logits = new float[b * t * v];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) rnd.nextGaussian() * 3;
        }
        long[] labels = {1, -100, 3, 6, 0, 2, 2, -100, -100, 5};
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray l = m.create(logits, new Shape(b, t, v));
            NDArray y = m.create(labels, new Shape(b, t));
            TokenLoss.Sum s = TokenLoss.shiftedNll(l, y);
            long[] n = new long[1];
            double ref = referenceNll(logits, labels, b, t, v, true, n);
            assertEquals(n[0], s.tokens());
            assertEquals(5, s.tokens(), "positions 1..4 of each row, minus the three ignored labels");
            assertEquals(ref, s.sum().getFloat(), 1e-4);
            assertEquals(ref / n[0], s.mean().getFloat(), 1e-5);

            TokenLoss.Sum unshifted = TokenLoss.nll(l, y);
            double refUnshifted = referenceNll(logits, labels, b, t, v, false, n);
            assertEquals(n[0], unshifted.tokens());
            assertEquals(refUnshifted, unshifted.sum().getFloat(), 1e-4);
        }
    }

    @Test
    void uniformLogitsGiveLogVocabPerToken() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray l = m.zeros(new Shape(1, 4, 50));
            NDArray y = m.create(new long[] {3, 4, 5, 6}, new Shape(1, 4));
            assertEquals(Math.log(50), TokenLoss.shiftedNll(l, y).mean().getFloat(), 1e-5);
        }
    }
}
