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
import dev.longtune.api.ForwardInput;
import dev.longtune.api.nd.TokenLoss;
import dev.longtune.models.TestModels;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The forward pass is differentiable w.r.t. any parameter and attaches nothing to the model's manager. */
class GradientTest {

    private static final long[] IDS = {1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426};

    @Test
    void forwardBackwardWithCappedModelManagerLeaksNothing() throws Exception {
        try (NDManager root = NDManager.newBaseManager(Device.cpu()); LlamaModel model = TestModels.stories(root)) {
            for (NDArray p : model.parameters().values()) {
                assertFalse(p.hasGradient(), "frozen by default");
            }
            model.parameters().values().forEach(p -> p.setRequiresGradient(true));
            model.manager().cap(); // any array attached to it from now on throws
            for (int i = 0; i < 2; i++) {
                try (NDManager step = root.newSubManager()) {
                    NDArray in = step.create(IDS, new Shape(2, 8));
                    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        NDArray loss = TokenLoss.shiftedNll(model.forward(ForwardInput.training(in)), in).mean();
                        assertEquals(step, loss.getManager());
                        gc.backward(loss);
                    }
                }
            }
        }
    }

    @Test
    void gradientOfFinalNormMatchesFiniteDifference() throws Exception {
        try (NDManager root = NDManager.newBaseManager(Device.cpu()); LlamaModel model = TestModels.stories(root)) {
            NDArray w = model.parameters().get("model.norm.weight");
            NDArray q = model.parameters().get("model.layers.2.self_attn.q_proj.weight");
            w.setRequiresGradient(true);
            q.setRequiresGradient(true);
            float[] analytic;
            float[] analyticQ;
            try (NDManager step = root.newSubManager()) {
                NDArray in = step.create(IDS, new Shape(1, 16));
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    gc.backward(TokenLoss.shiftedNll(model.forward(ForwardInput.training(in)), in).mean());
                }
                try (NDArray g = w.getGradient(); NDArray gq = q.getGradient()) {
                    analytic = g.toFloatArray();
                    analyticQ = gq.toFloatArray();
                }
            }
            w.setRequiresGradient(false);
            q.setRequiresGradient(false);
            check(model, "model.norm.weight", 5, analytic[5]);
            check(model, "model.layers.2.self_attn.q_proj.weight", 70, analyticQ[70]);
        }
    }

    /** Central difference of the loss in double around element {@code idx}, compared with autograd. */
    private static void check(LlamaModel model, String name, int idx, float analytic) {
        NDArray p = model.parameters().get(name);
        float[] orig = p.toFloatArray();
        double h = 1e-2;
        double[] losses = new double[2];
        for (int s = 0; s < 2; s++) {
            float[] mod = orig.clone();
            mod[idx] += (float) (s == 0 ? h : -h);
            p.set(mod);
            try (NDManager step = model.manager().getParentManager().newSubManager()) {
                NDArray in = step.create(IDS, new Shape(1, 16));
                losses[s] = TokenLoss.shiftedNll(model.forward(ForwardInput.of(in)), in).mean().getFloat();
            }
        }
        p.set(orig);
        double numeric = (losses[0] - losses[1]) / (2 * h);
        System.out.printf("d loss / d %s[%d]: autograd %.6f, finite difference %.6f%n", name, idx, analytic,
                numeric);
        assertTrue(Math.abs(analytic) > 1e-5, "gradient is non-zero");
        assertEquals(numeric, analytic, 2e-3 + 0.02 * Math.abs(numeric));
    }

    @Test
    void parametersAreInCheckpointOrderUnderHfNames() throws Exception {
        try (NDManager root = NDManager.newBaseManager(Device.cpu()); LlamaModel model = TestModels.stories(root)) {
            Map<String, NDArray> p = model.parameters();
            assertEquals(2 + 5 * 9, p.size(), "tied lm_head appears once");
            assertEquals("model.embed_tokens.weight", p.keySet().iterator().next());
            assertTrue(p.containsKey("model.layers.4.mlp.down_proj.weight"));
            for (NDArray a : p.values()) {
                assertEquals(model.manager(), a.getManager());
            }
        }
    }
}
