package dev.longtune.training.trains;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.longtune.api.LinearLayer;
import dev.longtune.training.quant.Nf4Tensor;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * One LoRA / DoRA / QLoRA layer against independent references: analytic gradients (libtorch autograd through
 * {@link LoraAdapter}) w.r.t. A, B and the DoRA magnitude against central finite differences of the spec's formulas
 * evaluated in double in this test; QLoRA's forward against LoRA on the dequantized weight; merged weights.
 */
class LoraLayerGradientTest {

    static final int IN = 6;
    static final int OUT = 5;
    static final int R = 3;
    static final int ROWS = 4;
    static final double S = 16.0 / R;

    /** A bare linear layer for tests. */
    record TestLayer(NDArray weight, NDArray bias) implements LinearLayer {
        @Override
        public String name() {
            return "model.layers.0.self_attn.q_proj";
        }

        @Override
        public int inFeatures() {
            return (int) weight.getShape().get(1);
        }

        @Override
        public int outFeatures() {
            return (int) weight.getShape().get(0);
        }

        @Override
        public void setForward(Forward forward) {}
    }

    /** A layer whose dense weight is gone (QLoRA). */
    record Released(int inFeatures, int outFeatures) implements LinearLayer {
        @Override
        public String name() {
            return "model.layers.0.mlp.up_proj";
        }

        @Override
        public NDArray weight() {
            return null;
        }

        @Override
        public NDArray bias() {
            return null;
        }

        @Override
        public void setForward(Forward forward) {}
    }

    static float[] random(Random rng, int n, double scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (rng.nextGaussian() * scale);
        }
        return v;
    }

    /** y[i][o] per the spec in double. magnitude null: LoRA; else DoRA with the norm n given (held constant). */
    static double[][] reference(double[] x, double[] w, double[] bias, double[] a, double[] b, double[] m,
            double[] n) {
        double[][] y = new double[ROWS][OUT];
        for (int i = 0; i < ROWS; i++) {
            double[] ax = new double[R];
            for (int q = 0; q < R; q++) {
                for (int j = 0; j < IN; j++) {
                    ax[q] += a[q * IN + j] * x[i * IN + j];
                }
            }
            for (int o = 0; o < OUT; o++) {
                double xw = 0;
                for (int j = 0; j < IN; j++) {
                    xw += w[o * IN + j] * x[i * IN + j];
                }
                double lora = 0;
                for (int q = 0; q < R; q++) {
                    lora += b[o * R + q] * ax[q];
                }
                lora *= S;
                double g = m == null ? 1 : m[o] / n[o];
                y[i][o] = g * (xw + lora) + bias[o];
            }
        }
        return y;
    }

    static double loss(double[][] y, double[] rw) {
        double l = 0;
        for (int i = 0; i < ROWS; i++) {
            for (int o = 0; o < OUT; o++) {
                l += y[i][o] * rw[i * OUT + o];
            }
        }
        return l;
    }

    static double[] norms(double[] w, double[] a, double[] b) {
        double[] n = new double[OUT];
        for (int o = 0; o < OUT; o++) {
            double ss = 0;
            for (int j = 0; j < IN; j++) {
                double d = 0;
                for (int q = 0; q < R; q++) {
                    d += b[o * R + q] * a[q * IN + j];
                }
                double v = w[o * IN + j] + S * d;
                ss += v * v;
            }
            n[o] = Math.sqrt(ss);
        }
        return n;
    }

    static double[] d(float[] f) {
        double[] out = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            out[i] = f[i];
        }
        return out;
    }

    @Test
    void loraGradientsMatchFiniteDifferences() {
        check(false);
    }

    @Test
    void doraGradientsMatchFiniteDifferencesWithTheNormDetached() {
        check(true);
    }

    private void check(boolean dora) {
        Random rng = new Random(dora ? 7 : 3);
        float[] x = random(rng, ROWS * IN, 1);
        float[] w = random(rng, OUT * IN, 0.5);
        float[] bias = random(rng, OUT, 0.1);
        float[] a = random(rng, R * IN, 0.3);
        float[] b = random(rng, OUT * R, 0.3);
        float[] m = random(rng, OUT, 1);
        float[] rw = random(rng, ROWS * OUT, 1);
        try (NDManager root = NDManager.newBaseManager()) {
            NDArray wArr = root.create(w, new Shape(OUT, IN));
            NDArray bArr = root.create(bias, new Shape(OUT));
            NDArray aa = root.create(a, new Shape(R, IN));
            NDArray bb = root.create(b, new Shape(OUT, R));
            NDArray mm = dora ? root.create(m, new Shape(OUT)) : null;
            aa.setRequiresGradient(true);
            bb.setRequiresGradient(true);
            if (mm != null) {
                mm.setRequiresGradient(true);
            }
            TestLayer layer = new TestLayer(wArr, bArr);
            LoraAdapter ad = new LoraAdapter(layer, aa, bb, mm, null, S, 0, root);
            float[] ga;
            float[] gb;
            float[] gm = null;
            try (NDManager step = root.newSubManager()) {
                NDArray xa = step.create(x, new Shape(ROWS, IN));
                NDArray r = step.create(rw, new Shape(ROWS, OUT));
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    NDArray y = ad.apply(xa, layer, true);
                    gc.backward(y.mul(r).sum());
                }
                try (NDArray g1 = aa.getGradient(); NDArray g2 = bb.getGradient()) {
                    ga = g1.toFloatArray();
                    gb = g2.toFloatArray();
                }
                if (mm != null) {
                    try (NDArray g3 = mm.getGradient()) {
                        gm = g3.toFloatArray();
                    }
                }
            }
            double[] xd = d(x);
            double[] wd = d(w);
            double[] biasd = d(bias);
            double[] ad0 = d(a);
            double[] bd0 = d(b);
            double[] md = dora ? d(m) : null;
            double[] rwd = d(rw);
            double[] n = dora ? norms(wd, ad0, bd0) : null; // detached: held at its value
            double h = 1e-6;
            double maxErr = 0;
            for (int which = 0; which < (dora ? 3 : 2); which++) {
                double[] p = which == 0 ? ad0 : which == 1 ? bd0 : md;
                float[] g = which == 0 ? ga : which == 1 ? gb : gm;
                for (int k = 0; k < p.length; k++) {
                    double keep = p[k];
                    p[k] = keep + h;
                    double lp = loss(reference(xd, wd, biasd, ad0, bd0, md, n), rwd);
                    p[k] = keep - h;
                    double lm = loss(reference(xd, wd, biasd, ad0, bd0, md, n), rwd);
                    p[k] = keep;
                    double fd = (lp - lm) / (2 * h);
                    double err = Math.abs(fd - g[k]) / Math.max(1, Math.abs(fd));
                    maxErr = Math.max(maxErr, err);
                    assertEquals(fd, g[k], 1e-4 * Math.max(1, Math.abs(fd)), (dora ? "dora " : "lora ")
                            + new String[] {"A", "B", "m"}[which] + "[" + k + "]");
                }
            }
            System.out.printf("%s layer: max relative |analytic - finite difference (double)| = %.2e%n",
                    dora ? "DoRA" : "LoRA", maxErr);
            // The forward itself matches the double reference.
            try (NDManager step = root.newSubManager()) {
                float[] y = ad.apply(step.create(x, new Shape(ROWS, IN)), layer, false).toFloatArray();
                double[][] ref = reference(xd, wd, biasd, ad0, bd0, md, n);
                for (int i = 0; i < ROWS; i++) {
                    for (int o = 0; o < OUT; o++) {
                        assertEquals(ref[i][o], y[i * OUT + o], 1e-5, "forward " + i + "," + o);
                    }
                }
                // Merging gives the same layer: x·W'ᵀ + b.
                NDArray merged = ad.merged(step);
                float[] ym = LoraAdapter.linear(step.create(x, new Shape(ROWS, IN)), merged, bArr).toFloatArray();
                for (int i = 0; i < y.length; i++) {
                    assertEquals(y[i], ym[i], 1e-5, "merged " + i);
                }
            }
        }
    }

    @Test
    void qloraForwardEqualsLoraOnTheDequantizedWeight() {
        Random rng = new Random(11);
        int in = 64;
        int out = 48;
        float[] w = random(rng, out * in, 0.05);
        float[] x = random(rng, ROWS * in, 1);
        try (NDManager root = NDManager.newBaseManager()) {
            NDArray wArr = root.create(w, new Shape(out, in));
            Nf4Tensor q = Nf4Tensor.quantize(wArr, root, 64, true);
            NDArray deq = q.dequantize(root);
            NDArray aa = root.create(random(rng, R * in, 0.1), new Shape(R, in));
            NDArray bb = root.create(random(rng, out * R, 0.1), new Shape(out, R));
            NDArray mm = root.create(random(rng, out, 1), new Shape(out));
            for (boolean dora : new boolean[] {false, true}) {
                LoraAdapter qlora = new LoraAdapter(new Released(in, out), aa, bb, dora ? mm : null, q, S, 0, root);
                TestLayer dense = new TestLayer(deq, null);
                LoraAdapter lora = new LoraAdapter(dense, aa, bb, dora ? mm : null, null, S, 0, root);
                try (NDManager step = root.newSubManager()) {
                    NDArray xa = step.create(x, new Shape(ROWS, in));
                    float[] y1 = qlora.apply(xa, qlora.layer, false).toFloatArray();
                    float[] y2 = lora.apply(xa, dense, false).toFloatArray();
                    for (int i = 0; i < y1.length; i++) {
                        assertEquals(y2[i], y1[i], 0f, (dora ? "QDoRA " : "QLoRA ") + i);
                    }
                }
            }
            assertTrue(q.storageBytes() * 7 < 4L * out * in, "NF4 storage " + q.storageBytes());
        }
    }
}
