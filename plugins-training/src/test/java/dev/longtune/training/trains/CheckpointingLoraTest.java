package dev.longtune.training.trains;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.longtune.api.ForwardInput;
import dev.longtune.api.LanguageModel;
import dev.longtune.api.nd.TokenLoss;
import dev.longtune.conformance.Fixtures;
import dev.longtune.conformance.TestRunContext;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Activation checkpointing per layer under LoRA (r 4, all-linear) on stories260K: the loss and every adapter
 * gradient are bitwise identical with and without it, also with GC churn between forward and backward (the recompute
 * runs the same ops on the same inputs, so nothing differs, not even rounding).
 */
class CheckpointingLoraTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long[] IDS = {1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426,
        1, 261, 376, 298, 315, 421, 395, 317, 426, 403, 407, 261, 378, 432, 383, 286};

    @TempDir
    Path tmp;

    @Test
    void loraGradientsAreIdenticalWithAndWithoutCheckpointing() throws Exception {
        try (TestRunContext ctx = new TestRunContext(tmp, 42L, "alpaca");
                LanguageModel model = LoraStrategyTest.load(ctx.manager(), Fixtures.stories260K())) {
            TrainableStrategy s = TrainableStrategies.create(JSON.readTree(
                    "{\"type\": \"lora\", \"r\": 4, \"target_modules\": \"all-linear\"}"), "t");
            try (TrainableStrategy.Prepared p = s.prepare(model, ctx)) {
                // B starts at zero (so would every A gradient): give it values so all adapter gradients are live
                try (NDManager m = ctx.manager().newSubManager()) {
                    for (var e : p.trainable().entrySet()) {
                        if (e.getKey().contains("lora_B")) {
                            e.getValue().addi(m.randomNormal(0f, 0.05f, e.getValue().getShape(),
                                    e.getValue().getDataType()));
                        }
                    }
                }
                assertTrue(model.supportsCheckpointing());
                Map<String, float[]> plain = new LinkedHashMap<>();
                float lossPlain = step(model, p, ctx.manager(), false, false, plain);
                Map<String, float[]> ckpt = new LinkedHashMap<>();
                float lossCkpt = step(model, p, ctx.manager(), true, false, ckpt);
                Map<String, float[]> churned = new LinkedHashMap<>();
                float lossChurned = step(model, p, ctx.manager(), true, true, churned);
                assertEquals(lossPlain, lossCkpt, 0f);
                assertEquals(lossPlain, lossChurned, 0f);
                assertEquals(p.trainable().keySet(), plain.keySet());
                double sum = 0;
                for (String name : plain.keySet()) {
                    float[] a = plain.get(name);
                    float[] b = ckpt.get(name);
                    float[] c = churned.get(name);
                    for (int i = 0; i < a.length; i++) {
                        sum += Math.abs(a[i]);
                        assertTrue(Float.floatToIntBits(a[i]) == Float.floatToIntBits(b[i])
                                && Float.floatToIntBits(a[i]) == Float.floatToIntBits(c[i]),
                                name + "[" + i + "]: " + a[i] + " vs " + b[i] + " / " + c[i]);
                    }
                }
                assertTrue(sum > 0);
                System.out.printf("LoRA r4 all-linear, checkpointing: loss %.6f = %.6f, %d adapter gradients "
                        + "bitwise equal, sum|g| %.6f%n", lossPlain, lossCkpt, plain.size(), sum);
            }
        }
    }

    private static float step(LanguageModel model, TrainableStrategy.Prepared p, NDManager root,
            boolean checkpointing, boolean churn, Map<String, float[]> out) {
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
            for (var e : p.trainable().entrySet()) {
                try (NDArray g = e.getValue().getGradient()) {
                    out.put(e.getKey(), g.toFloatArray());
                    g.subi(g);
                }
            }
            return loss;
        } finally {
            model.setGradientCheckpointing(false);
        }
    }

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
