package dev.longtune.training.objectives;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.longtune.api.nd.TokenLoss;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Per-sequence completion log-probs against a Java-double log-softmax, with the model's shift, −100 masking, token
 * counts, agreement with {@link TokenLoss}, and the gradient of the sum and the mean w.r.t. the logits.
 */
class SequenceLogProbsTest {

    private static final int B = 3;
    private static final int T = 6;
    private static final int V = 5;
    private static final long I = TokenLoss.IGNORE;
    // row 0: prompt of 2, completion of 3, 1 pad; row 1: completion of 5; row 2: no completion at all
    private static final long[][] LABELS = {{I, I, 3, 1, 4, I}, {2, 0, 4, 4, 1, 3}, {I, I, I, I, I, I}};

    @Test
    void sumsMeansAndCountsMatchJavaReference() {
        double[][][] logits = randomLogits(new Random(3));
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            SequenceLogProbs.Result r = SequenceLogProbs.of(logitsArray(m, logits, DataType.FLOAT64), labels(m));
            double[] expectedSum = new double[B];
            long[] expectedTokens = new long[B];
            for (int b = 0; b < B; b++) {
                for (int t = 1; t < T; t++) {
                    if (LABELS[b][t] != I) {
                        expectedSum[b] += logSoftmax(logits[b][t - 1])[(int) LABELS[b][t]];
                        expectedTokens[b]++;
                    }
                }
            }
            // the label at t = 0 is never scored: nothing predicts it
            assertArrayEquals(new long[] {3, 5, 0}, expectedTokens);
            assertArrayEquals(expectedTokens, r.tokens());
            assertArrayEquals(new Shape(B).getShape(), r.sum().getShape().getShape());
            assertArrayEquals(expectedSum, r.sum().toDoubleArray(), 1e-12);
            assertArrayEquals(new double[] {expectedSum[0] / 3, expectedSum[1] / 5, 0}, r.mean().toDoubleArray(),
                    1e-12);
            assertArrayEquals(new double[] {3, 5, 0}, r.tokenCounts().toDoubleArray(), 0);
            assertEquals(B, r.batchSize());
        }
    }

    @Test
    void agreesWithTokenLossInFloat32() {
        double[][][] logits = randomLogits(new Random(4));
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            NDArray l = logitsArray(m, logits, DataType.FLOAT32);
            SequenceLogProbs.Result r = SequenceLogProbs.of(l, labels(m));
            TokenLoss.Sum nll = TokenLoss.shiftedNll(l, labels(m));
            assertEquals(DataType.FLOAT32, r.sum().getDataType());
            assertEquals(-nll.sum().getFloat(), r.sum().sum().getFloat(), 1e-5);
            assertEquals(nll.tokens(), r.tokens()[0] + r.tokens()[1] + r.tokens()[2]);
        }
    }

    @Test
    void gradientOfSumAndMeanIsOneHotMinusSoftmax() {
        double[][][] logits = randomLogits(new Random(5));
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            NDArray l = logitsArray(m, logits, DataType.FLOAT64);
            l.setRequiresGradient(true);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                SequenceLogProbs.Result r = SequenceLogProbs.of(l, labels(m));
                // objective = sum[0] + mean[1] + mean[2]
                gc.backward(r.sum().get(0).add(r.mean().get(1)).add(r.mean().get(2)));
            }
            double[] grad = l.getGradient().toDoubleArray();
            double[] weight = {1, 1.0 / 5, 0};
            for (int b = 0; b < B; b++) {
                for (int t = 0; t < T; t++) {
                    double[] p = softmax(logits[b][t]);
                    for (int v = 0; v < V; v++) {
                        double expected = 0;
                        if (t + 1 < T && LABELS[b][t + 1] != I) {
                            expected = weight[b] * ((v == LABELS[b][t + 1] ? 1 : 0) - p[v]);
                        }
                        assertEquals(expected, grad[(b * T + t) * V + v], 1e-12, "d/dlogits[" + b + "," + t + ","
                                + v + "]");
                    }
                }
            }
        }
    }

    @Test
    void rejectsMismatchedShapes() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            assertThrows(IllegalArgumentException.class,
                    () -> SequenceLogProbs.of(m.zeros(new Shape(2, 4, 3)), m.zeros(new Shape(2, 5), DataType.INT64)));
        }
    }

    private static double[][][] randomLogits(Random r) {
        double[][][] x = new double[B][T][V];
        for (double[][] a : x) {
            for (double[] b : a) {
                for (int v = 0; v < V; v++) {
                    b[v] = 3 * r.nextGaussian();
                }
            }
        }
        return x;
    }

    private static NDArray logitsArray(NDManager m, double[][][] x, DataType dt) {
        double[] flat = new double[B * T * V];
        for (int b = 0; b < B; b++) {
            for (int t = 0; t < T; t++) {
                System.arraycopy(x[b][t], 0, flat, (b * T + t) * V, V);
            }
        }
        return m.create(flat, new Shape(B, T, V)).toType(dt, false);
    }

    private static NDArray labels(NDManager m) {
        long[] flat = new long[B * T];
        for (int b = 0; b < B; b++) {
            System.arraycopy(LABELS[b], 0, flat, b * T, T);
        }
        return m.create(flat, new Shape(B, T));
    }

    private static double[] softmax(double[] z) {
        double[] ls = logSoftmax(z);
        double[] p = new double[z.length];
        for (int i = 0; i < z.length; i++) {
            p[i] = Math.exp(ls[i]);
        }
        return p;
    }

    private static double[] logSoftmax(double[] z) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : z) {
            max = Math.max(max, v);
        }
        double s = 0;
        for (double v : z) {
            s += Math.exp(v - max);
        }
        double lse = max + Math.log(s);
        double[] out = new double[z.length];
        for (int i = 0; i < z.length; i++) {
            out[i] = z[i] - lse;
        }
        return out;
    }
}
