package dev.longtune.models.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.longtune.api.ForwardInput;
import dev.longtune.api.LanguageModel;
import dev.longtune.api.ModelArchitecture;
import dev.longtune.api.NoOptions;
import dev.longtune.api.nd.TokenLoss;
import dev.longtune.models.gemma.GemmaArchitecture;
import dev.longtune.models.gemma.GemmaTest;
import dev.longtune.models.gemma2.Gemma2Architecture;
import dev.longtune.models.gemma2.Gemma2Test;
import dev.longtune.models.mixtral.MixtralArchitecture;
import dev.longtune.models.mixtral.MixtralTest;
import dev.longtune.models.oracle.HfTestCheckpoint;
import dev.longtune.models.qwen2.Qwen2Architecture;
import dev.longtune.models.qwen2.Qwen2Test;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code llama.GcDuringBackwardTest} for the other families' ops (Gemma's (1+w) norm, scaled embedding and tanh
 * GELU; Gemma 2's soft-caps and per-layer windows; Qwen2's biases; Mixtral's routing gathers and its auxiliary loss):
 * a GC between forward and backward must not change any gradient, so none of them may keep a Java-backed operand.
 */
class FamiliesGcDuringBackwardTest {

    private static final long[] IDS = {1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426};
    private static NDManager root;

    @BeforeAll
    static void start() {
        root = NDManager.newBaseManager(Device.cpu());
    }

    @AfterAll
    static void stop() {
        root.close();
    }

    @Test
    void gemma(@TempDir Path tmp) throws Exception {
        check(new GemmaArchitecture(), GemmaTest.checkpoint(48, 96, 2, 4, 1, 16, 512, 601L), tmp);
    }

    @Test
    void gemma2(@TempDir Path tmp) throws Exception {
        check(new Gemma2Architecture(), Gemma2Test.checkpoint(1.5, 5.0, 602L), tmp);
    }

    @Test
    void qwen2(@TempDir Path tmp) throws Exception {
        check(new Qwen2Architecture(), Qwen2Test.checkpoint(512, true, 603L), tmp);
    }

    @Test
    void mixtralWithAuxiliaryLoss(@TempDir Path tmp) throws Exception {
        check(new MixtralArchitecture(), MixtralTest.checkpoint(604L), tmp);
    }

    private static void check(ModelArchitecture<NoOptions> a, HfTestCheckpoint ck, Path tmp) throws Exception {
        Path dir = ck.write(tmp.resolve(a.name()), root);
        try (LanguageModel model = FamilyChecks.load(a, dir, root)) {
            model.parameters().values().forEach(p -> p.setRequiresGradient(true));
            Map<String, float[]> quiet = gradients(model, false);
            Map<String, float[]> churned = gradients(model, true);
            boolean nonZero = false;
            for (String name : quiet.keySet()) {
                assertArrayEquals(quiet.get(name), churned.get(name), 0f, a.name() + " " + name);
                for (float v : quiet.get(name)) {
                    nonZero |= v != 0;
                }
            }
            assertTrue(nonZero);
        }
    }

    private static Map<String, float[]> gradients(LanguageModel model, boolean churn) {
        try (NDManager step = root.newSubManager()) {
            NDArray in = step.create(IDS, new Shape(2, 8));
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray loss = TokenLoss.shiftedNll(model.forward(ForwardInput.training(in)), in).mean();
                Optional<NDArray> aux = model.auxiliaryLoss();
                if (aux.isPresent()) {
                    loss = loss.add(aux.get());
                }
                if (churn) {
                    churnDirectMemory();
                }
                gc.backward(loss);
            }
            Map<String, float[]> out = new LinkedHashMap<>();
            for (var e : model.parameters().entrySet()) {
                try (NDArray g = e.getValue().getGradient()) {
                    out.put(e.getKey(), g.toFloatArray());
                    g.subi(g);
                }
            }
            return out;
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
