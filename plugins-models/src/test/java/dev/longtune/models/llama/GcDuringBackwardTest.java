package dev.longtune.models.llama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

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
 * Garbage collection between forward and backward must not change any gradient. DJL backs Java-number operands
 * ({@code x.mul(2.5f)}) with Java memory that autograd keeps for backward; if any op on the model's (or the loss's)
 * gradient path used one, the GC here would free it and the gradients would differ (or blow up).
 */
class GcDuringBackwardTest {

    private static final long[] IDS = {1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426};

    @Test
    void gradientsAreTheSameWithAndWithoutGcBeforeBackward() throws Exception {
        try (NDManager root = NDManager.newBaseManager(Device.cpu()); LlamaModel model = TestModels.stories(root)) {
            model.parameters().values().forEach(p -> p.setRequiresGradient(true));
            Map<String, float[]> quiet = gradients(model, root, false);
            Map<String, float[]> churned = gradients(model, root, true);
            for (String name : quiet.keySet()) {
                assertArrayEquals(quiet.get(name), churned.get(name), 0f, name);
            }
        }
    }

    /** The same guard for the attention patterns a context extension selects (S²-Attn both variants, window). */
    @Test
    void patternsFromContextExtensionsAreGcSafeToo() throws Exception {
        AttentionPattern[] patterns = {new AttentionPattern.ShiftedSparse(0.5, true),
            new AttentionPattern.ShiftedSparse(0.5, false), new AttentionPattern.SlidingWindow(3)};
        try (NDManager root = NDManager.newBaseManager(Device.cpu())) {
            for (AttentionPattern p : patterns) {
                try (LlamaModel model = TestModels.stories(root, TestExtension.always(p))) {
                    model.parameters().values().forEach(w -> w.setRequiresGradient(true));
                    Map<String, float[]> quiet = gradients(model, root, false);
                    Map<String, float[]> churned = gradients(model, root, true);
                    for (String name : quiet.keySet()) {
                        assertArrayEquals(quiet.get(name), churned.get(name), 0f, p + " " + name);
                    }
                }
            }
        }
    }

    private static Map<String, float[]> gradients(LlamaModel model, NDManager root, boolean churn) {
        try (NDManager step = root.newSubManager()) {
            NDArray in = step.create(IDS, new Shape(2, 8));
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray loss = TokenLoss.shiftedNll(model.forward(ForwardInput.training(in)), in).mean();
                if (churn) {
                    churnDirectMemory();
                }
                gc.backward(loss);
            }
            Map<String, float[]> out = new LinkedHashMap<>();
            for (var e : model.parameters().entrySet()) {
                try (NDArray g = e.getValue().getGradient()) {
                    out.put(e.getKey(), g.toFloatArray());
                    g.subi(g); // zero in place for the next run (gradients accumulate)
                }
            }
            return out;
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
