package dev.longtune.training.objectives;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.longtune.training.objectives.PreferenceLosses.DpoLoss;
import dev.longtune.training.objectives.PreferenceLosses.OrpoOutput;
import dev.longtune.training.objectives.PreferenceLosses.Output;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;
import org.junit.jupiter.api.Test;

/**
 * The worked numbers of numerics spec D.7–D.10, the ln 2 identity, autograd gradients against central finite
 * differences of an independent Java-double implementation of each formula, and gradients that survive a GC between
 * forward and backward (no Java-number operand on the autograd path).
 */
class PreferenceLossesTest {

    private static final double EXACT = 1e-9; // float64 inputs: spec numbers are given to 10 digits

    // ------------------------------------------------------------------------------------ spec worked examples

    @Test
    void dpoSpecExamples() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            NDArray pc = d(m, -10);
            NDArray pr = d(m, -12);
            NDArray rc = d(m, -11);
            NDArray rr = d(m, -11);
            Output sigmoid = PreferenceLosses.dpoSigmoid(pc, pr, rc, rr, 0.1);
            assertEquals(0.5981388694, sigmoid.loss().getDouble(), EXACT);
            assertEquals(0.1, sigmoid.chosenRewards().getDouble(0), EXACT);
            assertEquals(-0.1, sigmoid.rejectedRewards().getDouble(0), EXACT);
            assertEquals(0.6181388694,
                    PreferenceLosses.dpo(DpoLoss.CDPO, pc, pr, rc, rr, 0.1, 0.1).loss().getDouble(), EXACT);
            assertEquals(0.5731388694,
                    PreferenceLosses.dpo(DpoLoss.ROBUST, pc, pr, rc, rr, 0.1, 0.1).loss().getDouble(), EXACT);
            assertEquals(0.8, PreferenceLosses.dpo(DpoLoss.HINGE, pc, pr, rc, rr, 0.1, 0).loss().getDouble(), EXACT);
            // cDPO with ε = 0 is HEAD's sigmoid
            assertEquals(0.5981388694,
                    PreferenceLosses.dpo(DpoLoss.CDPO, pc, pr, rc, rr, 0.1, 0).loss().getDouble(), EXACT);
        }
    }

    @Test
    void ipoSpecExampleAveragesPerToken() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            // sums −10, −12, −11, −11 over completions of 4 (chosen) and 5 (rejected) tokens
            Output ipo = PreferenceLosses.dpo(DpoLoss.IPO, d(m, -10 / 4.0), d(m, -12 / 5.0), d(m, -11 / 4.0),
                    d(m, -11 / 5.0), 0.1, 0);
            assertEquals(20.7025, ipo.loss().getDouble(), EXACT);
            assertTrue(DpoLoss.IPO.usesAverageLogProbs());
            assertTrue(!DpoLoss.SIGMOID.usesAverageLogProbs());
        }
    }

    @Test
    void orpoSpecExample() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            OrpoOutput o = PreferenceLosses.orpo(d(m, -0.5), d(m, -1.0), m.create(0.7), 0.1);
            assertEquals(0.9740769842, o.logOdds().getDouble(0), EXACT);
            assertEquals(-0.3202997852, o.logSigmoidOdds().getDouble(0), EXACT);
            assertEquals(0.0320299785, o.orLoss().getDouble(), EXACT);
            assertEquals(0.7320299785, o.loss().getDouble(), EXACT);
            assertEquals(-0.05, o.chosenRewards().getDouble(0), EXACT);
        }
    }

    @Test
    void orpoNllCoversPromptAndResponseButNotPadding() {
        Random r = new Random(9);
        int b = 2;
        int t = 4;
        int v = 5;
        double[] logits = new double[b * t * v];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = 2 * r.nextGaussian();
        }
        long[] ids = {1, 4, 2, 0, 3, 3, 1, 0};
        long[] mask = {1, 1, 1, 1, 1, 1, 0, 0}; // row 1 is padded after 2 tokens
        double sum = 0;
        int count = 0;
        for (int row = 0; row < b; row++) {
            for (int pos = 1; pos < t; pos++) {
                if (mask[row * t + pos] == 1) {
                    int base = (row * t + pos - 1) * v;
                    double max = Double.NEGATIVE_INFINITY;
                    for (int k = 0; k < v; k++) {
                        max = Math.max(max, logits[base + k]);
                    }
                    double z = 0;
                    for (int k = 0; k < v; k++) {
                        z += Math.exp(logits[base + k] - max);
                    }
                    sum -= logits[base + (int) ids[row * t + pos]] - max - Math.log(z);
                    count++;
                }
            }
        }
        assertEquals(4, count); // 3 in row 0 (every token after the first), 1 in row 1
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            NDArray nll = PreferenceLosses.orpoNll(m.create(logits, new Shape(b, t, v)), m.create(ids, new Shape(b, t)),
                    m.create(mask, new Shape(b, t)));
            assertEquals(sum / count, nll.getFloat(), 1e-6); // TokenLoss works in float32
        }
    }

    @Test
    void simpoSpecExample() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            Output s = PreferenceLosses.simpo(d(m, -1.0), d(m, -1.5), null, 2, 0.5, 0, 0);
            assertEquals(0.4740769842, s.loss().getDouble(), EXACT);
            // TRL's default cpo_alpha = 1 adds the NLL (spec G.8)
            Output withNll = PreferenceLosses.simpo(d(m, -1.0), d(m, -1.5), m.create(0.7), 2, 0.5, 0, 1);
            assertEquals(0.4740769842 + 0.7, withNll.loss().getDouble(), EXACT);
            assertThrows(IllegalArgumentException.class,
                    () -> PreferenceLosses.simpo(d(m, -1.0), d(m, -1.5), null, 2, 0.5, 0, 1));
        }
    }

    @Test
    void ktoSpecExample() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            NDArray z = m.create(0.2);
            // logratio 0.5 for the desirable example, −0.3 for the undesirable one
            Output k = PreferenceLosses.kto(d(m, -9.5), d(m, -10), d(m, -10.3), d(m, -10), z, 0.1, 1, 1);
            assertArrayEquals(new double[] {0.4925005624, 0.4875026035}, k.losses().toDoubleArray(), EXACT);
            assertEquals((0.4925005624 + 0.4875026035) / 2, k.loss().getDouble(), EXACT);
            assertEquals(0.05, k.chosenRewards().getDouble(0), EXACT);
            assertEquals(-0.03, k.rejectedRewards().getDouble(0), EXACT);
            Output onlyDesirable = PreferenceLosses.kto(d(m, -9.5), d(m, -10), null, null, z, 0.1, 1, 1);
            assertEquals(0.4925005624, onlyDesirable.loss().getDouble(), EXACT);
            assertNull(onlyDesirable.rejectedRewards());
        }
    }

    @Test
    void ktoReferencePointIsClampedDetachedMean() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            NDArray pk = m.create(new double[] {-5, -7});
            NDArray rk = m.create(new double[] {-5.1, -7.3});
            assertEquals(0.2, PreferenceLosses.ktoReferencePoint(pk, rk).getDouble(), EXACT);
            assertEquals(0.0, PreferenceLosses.ktoReferencePoint(rk, pk).getDouble(), 0);
            assertArrayEquals(new int[] {3, 0, 1, 2}, PreferenceLosses.rotateByOne(4));
            assertThrows(IllegalArgumentException.class, () -> PreferenceLosses.rotateByOne(1));
        }
    }

    @Test
    void dpoWithPolicyEqualToReferenceIsLn2() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            Random r = new Random(7);
            for (DataType dt : new DataType[] {DataType.FLOAT32, DataType.FLOAT64}) {
                double[] c = randomLogps(r, 6, -40, -5);
                double[] rej = randomLogps(r, 6, -40, -5);
                NDArray pc = m.create(c).toType(dt, false);
                NDArray pr = m.create(rej).toType(dt, false);
                Output o = PreferenceLosses.dpoSigmoid(pc, pr, pc.duplicate(), pr.duplicate(), 0.1);
                assertEquals(Math.log(2), o.loss().toType(DataType.FLOAT64, false).getDouble(),
                        dt == DataType.FLOAT64 ? 1e-15 : 1e-7);
                assertArrayEquals(new double[6], o.chosenRewards().toType(DataType.FLOAT64, false).toDoubleArray(), 0);
            }
        }
    }

    @Test
    void log1mexpIsAccurateAndHasFiniteGradientOnBothBranches() {
        double[] xs = {-1e-8, -1e-3, -0.5, -Math.log(2), -0.7, -3, -30};
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            NDArray x = m.create(xs);
            x.setRequiresGradient(true);
            double[] value;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray y = PreferenceLosses.log1mexp(x);
                value = y.toDoubleArray();
                gc.backward(y.sum());
            }
            double[] grad = x.getGradient().toDoubleArray();
            for (int i = 0; i < xs.length; i++) {
                double expected = javaLog1mexp(xs[i]);
                // relative precision near 0; below −ln 2 an absolute 1e-16 (DJL has no log1p, so 1 − eˣ is rounded)
                assertEquals(expected, value[i], Math.max(Math.abs(expected) * 1e-14, 1e-16),
                        "log1mexp(" + xs[i] + ")");
                double dExpected = -1 / Math.expm1(-xs[i]); // d/dx log(1 − eˣ) = −eˣ/(1 − eˣ)
                assertEquals(dExpected, grad[i], Math.abs(dExpected) * 1e-9, "gradient at " + xs[i]);
            }
        }
    }

    // ------------------------------------------------------------------------------------ gradients

    @Test
    void dpoFamilyGradientsMatchFiniteDifferences() {
        Random r = new Random(11);
        for (DpoLoss type : DpoLoss.values()) {
            double eps = type == DpoLoss.CDPO || type == DpoLoss.ROBUST ? 0.15 : 0;
            double beta = type == DpoLoss.HINGE ? 0.05 : 0.1;
            double lo = type == DpoLoss.IPO ? -4 : -60;
            double[][] in = {randomLogps(r, 4, lo, -1), randomLogps(r, 4, lo, -1), randomLogps(r, 4, lo, -1),
                randomLogps(r, 4, lo, -1)};
            checkGradients(type.name(),
                    a -> PreferenceLosses.dpo(type, a[0], a[1], a[2], a[3], beta, eps).loss(),
                    v -> javaDpo(type, v[0], v[1], v[2], v[3], beta, eps), in, new boolean[] {true, true, false,
                        false});
        }
    }

    @Test
    void orpoGradientsMatchFiniteDifferences() {
        Random r = new Random(12);
        // averages on both sides of −ln 2, so both log1mexp branches are exercised
        double[][] in = {{-0.2, -0.9, -1.7, -0.05}, {-0.45, -2.5, -0.69, -1.1}, {0.83}};
        checkGradients("orpo", a -> PreferenceLosses.orpo(a[0], a[1], a[2].get(0), 0.1).loss(),
                v -> javaOrpo(v[0], v[1], v[2][0], 0.1), in, new boolean[] {true, true, true});
        double[][] in2 = {randomLogps(r, 5, -3, -0.01), randomLogps(r, 5, -3, -0.01), {1.3}};
        checkGradients("orpo random", a -> PreferenceLosses.orpo(a[0], a[1], a[2].get(0), 0.25).loss(),
                v -> javaOrpo(v[0], v[1], v[2][0], 0.25), in2, new boolean[] {true, true, true});
    }

    @Test
    void simpoGradientsMatchFiniteDifferences() {
        Random r = new Random(13);
        double[][] in = {randomLogps(r, 4, -3, -0.1), randomLogps(r, 4, -3, -0.1), {0.9}};
        checkGradients("simpo", a -> PreferenceLosses.simpo(a[0], a[1], a[2].get(0), 2, 0.5, 0.1, 1).loss(),
                v -> javaSimpo(v[0], v[1], v[2][0], 2, 0.5, 0.1, 1), in, new boolean[] {true, true, true});
        checkGradients("simpo pure", a -> PreferenceLosses.simpo(a[0], a[1], null, 0.1, 0.5, 0, 0).loss(),
                v -> javaSimpo(v[0], v[1], 0, 0.1, 0.5, 0, 0), new double[][] {in[0], in[1]},
                new boolean[] {true, true});
    }

    @Test
    void ktoGradientsMatchFiniteDifferences() {
        Random r = new Random(14);
        double[][] in = {randomLogps(r, 3, -40, -5), randomLogps(r, 3, -40, -5), randomLogps(r, 2, -40, -5),
            randomLogps(r, 2, -40, -5), {0.7}};
        checkGradients("kto", a -> PreferenceLosses.kto(a[0], a[1], a[2], a[3], a[4].get(0), 0.1, 1.0, 1.33).loss(),
                v -> javaKto(v[0], v[1], v[2], v[3], v[4][0], 0.1, 1.0, 1.33), in,
                new boolean[] {true, false, true, false, false});
    }

    @Test
    void gradientsSurviveGcBetweenForwardAndBackward() {
        Random r = new Random(15);
        double[] pc = randomLogps(r, 3, -3, -0.1);
        double[] pr = randomLogps(r, 3, -3, -0.1);
        double[] rc = randomLogps(r, 3, -3, -0.1);
        double[] rr = randomLogps(r, 3, -3, -0.1);
        float[] fc = toFloat(pc);
        float[] fr = toFloat(pr);
        float[] frc = toFloat(rc);
        float[] frr = toFloat(rr);
        // total = every loss at once, so each code path sits on the graph while the GC runs
        ToDoubleFunction<double[][]> reference = v -> {
            double t = 0;
            for (DpoLoss type : DpoLoss.values()) {
                t += javaDpo(type, v[0], v[1], rc, rr, 0.1, type == DpoLoss.CDPO || type == DpoLoss.ROBUST ? 0.2 : 0);
            }
            return t + javaOrpo(v[0], v[1], 0.5, 0.1) + javaSimpo(v[0], v[1], 0.5, 2, 0.5, 0.1, 1)
                    + javaKto(v[0], rc, v[1], rr, 0.3, 0.1, 1, 1.5);
        };
        double[][] expected = finiteDifferences(reference, new double[][] {pc, pr}, new boolean[] {true, true});
        try (NDManager root = NDManager.newBaseManager(Device.cpu())) {
            NDArray wc = root.create(fc);
            NDArray wr = root.create(fr);
            wc.setRequiresGradient(true);
            wr.setRequiresGradient(true);
            for (int trial = 0; trial < 3; trial++) {
                try (NDManager step = root.newSubManager();
                        GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    // step-owned views of the weights, so the whole graph attaches to the step manager
                    NDArray c = step.ones(new Shape(3)).mul(wc);
                    NDArray j = step.ones(new Shape(3)).mul(wr);
                    NDArray refC = step.create(frc);
                    NDArray refR = step.create(frr);
                    NDArray nll = step.full(new Shape(), 0.5f, DataType.FLOAT32);
                    NDArray total = null;
                    for (DpoLoss type : DpoLoss.values()) {
                        double eps = type == DpoLoss.CDPO || type == DpoLoss.ROBUST ? 0.2 : 0;
                        NDArray l = PreferenceLosses.dpo(type, c, j, refC, refR, 0.1, eps).loss();
                        total = total == null ? l : total.add(l);
                    }
                    total = total.add(PreferenceLosses.orpo(c, j, nll, 0.1).loss())
                            .add(PreferenceLosses.simpo(c, j, nll, 2, 0.5, 0.1, 1).loss())
                            .add(PreferenceLosses.kto(c, refC, j, refR, step.full(new Shape(), 0.3f,
                                    DataType.FLOAT32), 0.1, 1, 1.5).loss());
                    churnDirectMemory();
                    gc.backward(total);
                }
                try (NDArray gcGrad = wc.getGradient(); NDArray grGrad = wr.getGradient()) {
                    assertArrayEquals(expected[0], toDouble(gcGrad.toFloatArray()), 2e-4, "chosen, trial " + trial);
                    assertArrayEquals(expected[1], toDouble(grGrad.toFloatArray()), 2e-4, "rejected, trial " + trial);
                    gcGrad.subi(gcGrad);
                    grGrad.subi(grGrad);
                }
            }
        }
    }

    @Test
    void rejectsInvalidSettings() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            NDArray a = d(m, -1);
            assertThrows(IllegalArgumentException.class,
                    () -> PreferenceLosses.dpo(DpoLoss.SIGMOID, a, a, a, a, 0.1, 0.1));
            assertThrows(IllegalArgumentException.class,
                    () -> PreferenceLosses.dpo(DpoLoss.ROBUST, a, a, a, a, 0.1, 0.5));
            assertThrows(IllegalArgumentException.class, () -> PreferenceLosses.dpo(DpoLoss.HINGE, a, a, a, a, 0, 0));
            assertEquals(DpoLoss.CDPO, DpoLoss.parse("cdpo"));
            assertEquals(DpoLoss.IPO, DpoLoss.parse("IPO"));
            assertThrows(IllegalArgumentException.class, () -> DpoLoss.parse("exo_pair"));
        }
    }

    // ------------------------------------------------------------------------------------ machinery

    /**
     * Autograd gradients of {@code loss} (float64) against central differences of the Java reference, and the
     * forward value against the reference.
     */
    private static void checkGradients(String name, Function<NDArray[], NDArray> loss,
            ToDoubleFunction<double[][]> reference, double[][] inputs, boolean[] differentiable) {
        double[][] expected = finiteDifferences(reference, inputs, differentiable);
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            NDArray[] arrays = new NDArray[inputs.length];
            for (int i = 0; i < inputs.length; i++) {
                arrays[i] = m.create(inputs[i]);
                arrays[i].setRequiresGradient(differentiable[i]);
            }
            double value;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray l = loss.apply(arrays);
                value = l.getDouble();
                gc.backward(l);
            }
            assertEquals(reference.applyAsDouble(inputs), value, 1e-12 * Math.max(1, Math.abs(value)),
                    name + ": forward value vs Java reference");
            for (int i = 0; i < inputs.length; i++) {
                if (!differentiable[i]) {
                    continue;
                }
                try (NDArray g = arrays[i].getGradient()) {
                    assertArrayEquals(expected[i], g.toDoubleArray(), 1e-7, name + ": gradient of input " + i);
                }
            }
        }
    }

    private static double[][] finiteDifferences(ToDoubleFunction<double[][]> f, double[][] inputs,
            boolean[] differentiable) {
        double h = 1e-6;
        double[][] grads = new double[inputs.length][];
        for (int i = 0; i < inputs.length; i++) {
            grads[i] = new double[inputs[i].length];
            if (!differentiable[i]) {
                continue;
            }
            for (int k = 0; k < inputs[i].length; k++) {
                double keep = inputs[i][k];
                inputs[i][k] = keep + h;
                double up = f.applyAsDouble(inputs);
                inputs[i][k] = keep - h;
                double down = f.applyAsDouble(inputs);
                inputs[i][k] = keep;
                grads[i][k] = (up - down) / (2 * h);
            }
        }
        return grads;
    }

    // Java-double references, written from the spec's formulas independently of the NDArray code.

    private static double logSig(double x) {
        return x >= 0 ? -Math.log1p(Math.exp(-x)) : x - Math.log1p(Math.exp(x));
    }

    private static double sig(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    private static double javaLog1mexp(double x) {
        return x > -Math.log(2) ? Math.log(-Math.expm1(x)) : Math.log1p(-Math.exp(x));
    }

    private static double javaDpo(DpoLoss type, double[] pc, double[] pr, double[] rc, double[] rr, double beta,
            double eps) {
        double total = 0;
        for (int i = 0; i < pc.length; i++) {
            double delta = (pc[i] - rc[i]) - (pr[i] - rr[i]);
            double z = beta * delta;
            total += switch (type) {
                case SIGMOID -> -logSig(z);
                case CDPO -> -(1 - eps) * logSig(z) - eps * logSig(-z);
                case ROBUST -> (-(1 - eps) * logSig(z) + eps * logSig(-z)) / (1 - 2 * eps);
                case HINGE -> Math.max(0, 1 - z);
                case IPO -> (delta - 1 / (2 * beta)) * (delta - 1 / (2 * beta));
            };
        }
        return total / pc.length;
    }

    private static double javaOrpo(double[] lc, double[] lr, double nll, double lambda) {
        double total = 0;
        for (int i = 0; i < lc.length; i++) {
            double logOdds = (lc[i] - lr[i]) - (javaLog1mexp(lc[i]) - javaLog1mexp(lr[i]));
            total += logSig(logOdds);
        }
        return nll - lambda * total / lc.length;
    }

    private static double javaSimpo(double[] lc, double[] lr, double nll, double beta, double gamma, double eps,
            double alpha) {
        double total = 0;
        for (int i = 0; i < lc.length; i++) {
            double h = beta * (lc[i] - lr[i]) - gamma;
            total += -(1 - eps) * logSig(h) - eps * logSig(-h);
        }
        return total / lc.length + alpha * nll;
    }

    private static double javaKto(double[] pc, double[] rc, double[] pr, double[] rr, double z, double beta,
            double wd, double wu) {
        double total = 0;
        for (int i = 0; i < pc.length; i++) {
            total += wd * (1 - sig(beta * ((pc[i] - rc[i]) - z)));
        }
        for (int i = 0; i < pr.length; i++) {
            total += wu * (1 - sig(beta * (z - (pr[i] - rr[i]))));
        }
        return total / (pc.length + pr.length);
    }

    private static NDArray d(NDManager m, double v) {
        return m.create(new double[] {v});
    }

    private static double[] randomLogps(Random r, int n, double lo, double hi) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = lo + (hi - lo) * r.nextDouble();
        }
        return v;
    }

    private static float[] toFloat(double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
            v[i] = f[i]; // the reference sees exactly the float inputs
        }
        return f;
    }

    private static double[] toDouble(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return d;
    }

    /** Collects garbage and reuses freed direct memory, as a busy training step would (as in ScalarOperandTest). */
    static void churnDirectMemory() {
        for (int k = 0; k < 3; k++) {
            System.gc();
            List<ByteBuffer> junk = new ArrayList<>();
            for (int j = 0; j < 2000; j++) {
                ByteBuffer b = ByteBuffer.allocateDirect(4);
                b.putFloat(0, Float.POSITIVE_INFINITY);
                junk.add(b);
            }
            junk.clear();
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
