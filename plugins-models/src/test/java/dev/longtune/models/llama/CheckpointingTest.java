package dev.longtune.models.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.longtune.api.AttentionPattern;
import dev.longtune.api.ForwardInput;
import dev.longtune.api.nd.TokenLoss;
import dev.longtune.models.TestExtension;
import dev.longtune.models.TestModels;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Activation checkpointing per decoder layer ({@link LlamaModel#setGradientCheckpointing}) changes memory, never
 * results: the loss and every parameter's gradient are bitwise identical with and without it (the recompute runs the
 * same ops on the same inputs, and each gradient accumulates the same terms), also with GC churn between forward and
 * backward and under a context extension's attention pattern.
 */
class CheckpointingTest {

    private static final long[] IDS = {1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426,
        1, 261, 376, 298, 315, 421, 395, 317, 426, 403, 407, 261, 378, 432, 383, 286};

    @Test
    void fullFineTuningLossAndGradientsAreIdentical() throws Exception {
        try (NDManager root = NDManager.newBaseManager(Device.cpu()); LlamaModel model = TestModels.stories(root)) {
            assertTrue(model.supportsCheckpointing());
            model.parameters().values().forEach(p -> p.setRequiresGradient(true));
            compare(model, root, "full");
        }
    }

    @Test
    void partiallyFrozenModelAndFrozenEmbeddings() throws Exception {
        try (NDManager root = NDManager.newBaseManager(Device.cpu()); LlamaModel model = TestModels.stories(root)) {
            // only attention projections of the upper layers train: the embedding output has no graph
            model.parameters().forEach((n, p) -> p.setRequiresGradient(n.contains("self_attn")
                    && !n.startsWith("model.layers.0.")));
            compare(model, root, "partial");
        }
    }

    @Test
    void contextExtensionPatternsToo() throws Exception {
        AttentionPattern[] patterns = {new AttentionPattern.ShiftedSparse(0.5, true),
            new AttentionPattern.SlidingWindow(3)};
        try (NDManager root = NDManager.newBaseManager(Device.cpu())) {
            for (AttentionPattern p : patterns) {
                try (LlamaModel model = TestModels.stories(root, TestExtension.always(p))) {
                    model.parameters().values().forEach(w -> w.setRequiresGradient(true));
                    compare(model, root, p.toString());
                }
            }
        }
    }

    @Test
    void forwardsWithoutCollectorOrForInferenceAreUnaffected() throws Exception {
        try (NDManager root = NDManager.newBaseManager(Device.cpu()); LlamaModel model = TestModels.stories(root)) {
            model.parameters().values().forEach(p -> p.setRequiresGradient(true));
            model.setGradientCheckpointing(true);
            try (NDManager step = root.newSubManager()) {
                NDArray in = step.create(IDS, new Shape(2, 16));
                float[] a = model.forward(ForwardInput.training(in)).toFloatArray(); // no collector: plain
                model.completeBackward(); // nothing pending
                model.setGradientCheckpointing(false);
                float[] b = model.forward(ForwardInput.training(in)).toFloatArray();
                assertEquals(a.length, b.length);
                for (int i = 0; i < a.length; i++) {
                    assertEquals(a[i], b[i], 0f);
                }
            }
        }
    }

    private static void compare(LlamaModel model, NDManager root, String what) {
        Map<String, float[]> plain = new LinkedHashMap<>();
        float lossPlain = gradients(model, root, false, false, plain);
        Map<String, float[]> ckpt = new LinkedHashMap<>();
        float lossCkpt = gradients(model, root, true, false, ckpt);
        Map<String, float[]> churned = new LinkedHashMap<>();
        float lossChurned = gradients(model, root, true, true, churned);
        assertFalse(model.gradientCheckpointing());
        assertEquals(lossPlain, lossCkpt, 0f, what + " loss");
        assertEquals(lossPlain, lossChurned, 0f, what + " loss (churn)");
        assertFalse(plain.isEmpty());
        assertEquals(plain.keySet(), ckpt.keySet());
        double maxDiff = 0;
        double sum = 0;
        for (String name : plain.keySet()) {
            float[] p = plain.get(name);
            float[] c = ckpt.get(name);
            float[] g = churned.get(name);
            for (int i = 0; i < p.length; i++) {
                maxDiff = Math.max(maxDiff, Math.max(Math.abs(p[i] - c[i]), Math.abs(p[i] - g[i])));
                sum += Math.abs(p[i]);
                assertTrue(Float.floatToIntBits(p[i]) == Float.floatToIntBits(c[i])
                        && Float.floatToIntBits(p[i]) == Float.floatToIntBits(g[i]),
                        what + " " + name + "[" + i + "]: " + p[i] + " vs " + c[i] + " / " + g[i]);
            }
        }
        System.out.printf("checkpointing %s: loss %.6f = %.6f, %d gradients, sum|g| %.6f, max |diff| %.3g%n",
                what, lossPlain, lossCkpt, plain.size(), sum, maxDiff);
    }

    private static float gradients(LlamaModel model, NDManager root, boolean checkpointing, boolean churn,
            Map<String, float[]> out) {
        model.setGradientCheckpointing(checkpointing);
        try (NDManager step = root.newSubManager()) {
            NDArray in = step.create(IDS, new Shape(2, 16));
            float loss;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray l = TokenLoss.shiftedNll(model.forward(ForwardInput.training(in)), in).mean();
                loss = l.getFloat();
                if (churn) {
                    churnDirectMemory();
                }
                gc.backward(l);
                if (churn) {
                    churnDirectMemory();
                }
                model.completeBackward();
            }
            for (var e : model.parameters().entrySet()) {
                if (!e.getValue().hasGradient()) {
                    continue;
                }
                try (NDArray g = e.getValue().getGradient()) {
                    out.put(e.getKey(), g.toFloatArray());
                    g.subi(g); // zero in place for the next run (gradients accumulate)
                }
            }
            return loss;
        } finally {
            model.setGradientCheckpointing(false);
        }
    }

    /** Frees unreachable direct buffers and reuses their memory with garbage, as a busy step would. */
    private static void churnDirectMemory() {
        for (int k = 0; k < 3; k++) {
            System.gc();
            List<ByteBuffer> junk = new ArrayList<>();
            for (int j = 0; j < 4000; j++) {
                ByteBuffer b = ByteBuffer.allocateDirect(8);
                b.putFloat(0, Float.NaN);
                b.putFloat(4, Float.POSITIVE_INFINITY);
                junk.add(b);
            }
            junk.clear();
        }
    }
}
