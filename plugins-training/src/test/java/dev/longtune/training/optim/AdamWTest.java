package dev.longtune.training.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * AdamW against torch.optim.AdamW's documented algorithm, evaluated here in plain double arithmetic: decoupled
 * decay {@code p -= lr*wd*p}, then {@code m = b1 m + (1-b1) g}, {@code v = b2 v + (1-b2) g^2},
 * {@code p -= lr * (m/(1-b1^t)) / (sqrt(v/(1-b2^t)) + eps)}; no decay for the 1-D parameter.
 */
class AdamWTest {

    private static final double B1 = 0.9;
    private static final double B2 = 0.95;
    private static final double EPS = 1e-8;
    private static final double WD = 0.1;

    @Test
    void matchesTorchAlgorithmOverSeveralStepsWithParameterGroups() {
        Shape[] shapes = {new Shape(2, 3), new Shape(3), new Shape(4, 2)};
        Random r = new Random(7);
        double[][] ref = new double[shapes.length][];
        double[][] m = new double[shapes.length][];
        double[][] v = new double[shapes.length][];
        try (NDManager root = NDManager.newBaseManager(Device.cpu())) {
            Map<String, NDArray> params = new LinkedHashMap<>();
            for (int i = 0; i < shapes.length; i++) {
                float[] init = randoms(r, (int) shapes[i].size(), 1.0);
                params.put("p" + i, root.create(init, shapes[i]));
                ref[i] = toDouble(init);
                m[i] = new double[init.length];
                v[i] = new double[init.length];
            }
            double[] lrs = {1e-2, 5e-3, 2e-2, 1e-3, 1e-2, 3e-3};
            try (AdamW opt = new AdamW(params, B1, B2, EPS, WD, root)) {
                assertTrue(opt.decays("p0"));
                assertFalse(opt.decays("p1"));
                for (int t = 1; t <= lrs.length; t++) {
                    double lr = lrs[t - 1];
                    try (NDManager step = root.newSubManager()) {
                        List<NDArray> grads = new ArrayList<>();
                        for (int i = 0; i < shapes.length; i++) {
                            // Gradients of very different scales, some tiny, to exercise eps.
                            float[] g = randoms(r, (int) shapes[i].size(), i == 2 ? 1e-6 : 0.5);
                            grads.add(step.create(g, shapes[i]));
                            reference(ref[i], m[i], v[i], g, lr, t, shapes[i].dimension() > 1 ? WD : 0.0);
                        }
                        opt.step(grads, lr);
                    }
                    int i = 0;
                    for (NDArray p : params.values()) {
                        assertArrayEquals(toFloat(ref[i]), p.toFloatArray(), 2e-6f, "param p" + i + " at step " + t);
                        i++;
                    }
                }
                assertEquals(lrs.length, opt.stepCount());
            }
        }
    }

    @Test
    void exportedStateResumesIdentically() {
        Random r = new Random(3);
        try (NDManager root = NDManager.newBaseManager(Device.cpu())) {
            float[] init = randoms(r, 6, 1.0);
            Map<String, NDArray> a = Map.of("w", root.create(init, new Shape(2, 3)));
            Map<String, NDArray> b = Map.of("w", root.create(init, new Shape(2, 3)));
            float[][] grads = new float[5][];
            for (int k = 0; k < 5; k++) {
                grads[k] = randoms(r, 6, 1.0);
            }
            try (AdamW first = new AdamW(a, B1, B2, EPS, WD, root)) {
                for (int k = 0; k < 3; k++) {
                    step(first, root, grads[k]);
                }
                b.get("w").set(a.get("w").toFloatArray());
                try (AdamW second = new AdamW(b, B1, B2, EPS, WD, root)) {
                    second.importState(first.exportState());
                    assertEquals(3, second.stepCount());
                    for (int k = 3; k < 5; k++) {
                        step(first, root, grads[k]);
                        step(second, root, grads[k]);
                    }
                }
            }
            assertArrayEquals(a.get("w").toFloatArray(), b.get("w").toFloatArray(), 0f);
        }
    }

    private static void step(AdamW opt, NDManager root, float[] g) {
        try (NDManager step = root.newSubManager()) {
            opt.step(List.of(step.create(g, new Shape(2, 3))), 1e-2);
        }
    }

    /** torch.optim.AdamW, single-tensor path, in double precision. */
    private static void reference(double[] p, double[] m, double[] v, float[] g, double lr, int t, double wd) {
        double bc1 = 1 - Math.pow(B1, t);
        double bc2 = 1 - Math.pow(B2, t);
        for (int k = 0; k < p.length; k++) {
            p[k] -= lr * wd * p[k];
            m[k] = B1 * m[k] + (1 - B1) * g[k];
            v[k] = B2 * v[k] + (1 - B2) * g[k] * g[k];
            double mHat = m[k] / bc1;
            double vHat = v[k] / bc2;
            p[k] -= lr * mHat / (Math.sqrt(vHat) + EPS);
        }
    }

    private static float[] randoms(Random r, int n, double scale) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) (r.nextGaussian() * scale);
        }
        return out;
    }

    private static double[] toDouble(float[] a) {
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i];
        }
        return out;
    }

    private static float[] toFloat(double[] a) {
        float[] out = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = (float) a[i];
        }
        return out;
    }
}
