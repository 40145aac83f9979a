package dev.longtune.models.llama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.longtune.api.ForwardInput;
import dev.longtune.api.LinearLayer;
import dev.longtune.models.TestModels;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The projections methods adapt (LoRA, DoRA, QLoRA) are exposed, routable, and restorable. */
class LinearLayersTest {

    private static final long[] IDS = {1, 403, 407, 261, 378, 432, 383, 286};

    @Test
    void everyProjectionIsExposedAndRoutedThroughItsForward() throws Exception {
        try (NDManager root = NDManager.newBaseManager(Device.cpu()); LlamaModel model = TestModels.stories(root)) {
            Map<String, LinearLayer> linears = model.linearLayers();
            assertEquals(5 * 7, linears.size(), "q, k, v, o, gate, up, down in each of 5 layers; no lm_head");
            LinearLayer q0 = linears.get("model.layers.0.self_attn.q_proj");
            assertEquals(64, q0.inFeatures());
            assertEquals(64, q0.outFeatures());
            assertTrue(q0.weight() == model.parameters().get("model.layers.0.self_attn.q_proj.weight"));
            assertEquals(172, linears.get("model.layers.4.mlp.down_proj").inFeatures());

            float[] base = logits(model, root);
            // A forward that computes the same x·Wᵀ by hand (matMul of the transpose) gives the same logits...
            List<Boolean> trainingFlags = new ArrayList<>();
            for (LinearLayer l : linears.values()) {
                l.setForward((x, layer, training) -> {
                    trainingFlags.add(training);
                    return x.matMul(layer.weight().transpose());
                });
            }
            assertArrayEquals(base, logits(model, root), 2e-5f);
            assertEquals(35, trainingFlags.size(), "each projection called once per forward");
            assertTrue(trainingFlags.stream().noneMatch(b -> b), "inference forward passes training=false");
            // ...one that drops a projection changes them, so the route is really taken...
            q0.setForward((x, layer, training) -> x.matMul(layer.weight().transpose()).mul(x.getManager().full(
                    new Shape(), 0f)));
            float[] changed = logits(model, root);
            float maxDiff = 0;
            for (int i = 0; i < base.length; i++) {
                maxDiff = Math.max(maxDiff, Math.abs(base[i] - changed[i]));
            }
            assertTrue(maxDiff > 1e-2, "zeroing q_proj of layer 0 must change the logits: " + maxDiff);
            // ...and null restores the plain projection exactly.
            linears.values().forEach(l -> l.setForward(null));
            assertArrayEquals(base, logits(model, root), 0f);
        }
    }

    private static float[] logits(LlamaModel model, NDManager root) {
        try (NDManager step = root.newSubManager()) {
            NDArray in = step.create(IDS, new Shape(1, IDS.length));
            return model.forward(ForwardInput.of(in)).toFloatArray();
        }
    }
}
