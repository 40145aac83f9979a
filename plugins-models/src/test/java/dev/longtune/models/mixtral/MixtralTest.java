package dev.longtune.models.mixtral;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.longtune.api.ForwardInput;
import dev.longtune.api.LanguageModel;
import dev.longtune.models.llama.LlamaModel;
import dev.longtune.models.oracle.HfTestCheckpoint;
import dev.longtune.models.reference.FamilyChecks;
import dev.longtune.models.reference.ReferenceDecoder;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mixtral (spec A.7), which Jlama gets wrong, against the plain-Java reference on a random HF-layout checkpoint with
 * 4 experts, top-2: routing and logits, cached decoding, the load-balancing loss against a hand computation from
 * the reference's router probabilities, its gradient reaching the router, adapters on the experts, bad checkpoints.
 */
public class MixtralTest {

    private static NDManager root;
    private static final MixtralArchitecture ARCH = new MixtralArchitecture();
    static final int E = 4;
    static final int K = 2;

    @BeforeAll
    static void start() {
        root = NDManager.newBaseManager(Device.cpu());
    }

    @AfterAll
    static void stop() {
        root.close();
    }

    public static HfTestCheckpoint checkpoint(long seed) {
        int hidden = 32;
        int inter = 48;
        int layers = 2;
        HfTestCheckpoint ck = HfTestCheckpoint.decoder("mixtral", hidden, inter, layers, 4, 2, 8, 512, 4096, false,
                1.0, seed);
        ck.config().putNull("sliding_window");
        ck.config().put("num_local_experts", E);
        ck.config().put("num_experts_per_tok", K);
        ck.config().put("router_aux_loss_coef", 0.02);
        for (int i = 0; i < layers; i++) {
            String p = "model.layers." + i + ".";
            ck.remove(p + "mlp.gate_proj.weight").remove(p + "mlp.up_proj.weight").remove(p + "mlp.down_proj.weight");
            ck.put(p + "block_sparse_moe.gate.weight", 0.5, 0, E, hidden);
            for (int e = 0; e < E; e++) {
                String x = p + "block_sparse_moe.experts." + e + ".";
                ck.putLinear(x + "w1.weight", inter, hidden);
                ck.putLinear(x + "w2.weight", hidden, inter);
                ck.putLinear(x + "w3.weight", inter, hidden);
            }
        }
        return ck;
    }

    @Test
    void routingAndLogitsMatchTheReference(@TempDir Path tmp) throws Exception {
        int[] ids = FamilyChecks.ids(20, 512, 10);
        Path dir = tmp.resolve("mixtral");
        FamilyChecks.assertMatchesReference(ARCH, checkpoint(501L), dir, ids, 1e-4, root);
        FamilyChecks.assertCachedMatchesFull(ARCH, dir, ids, 5, root);
        FamilyChecks.assertSaveReload(ARCH, dir, tmp.resolve("saved"), ids, root);
        try (LanguageModel m = FamilyChecks.load(ARCH, dir, root)) {
            assertTrue(m.linearLayers().containsKey("model.layers.1.block_sparse_moe.experts.3.w2"));
            assertTrue(m.linearLayers().containsKey("model.layers.0.self_attn.q_proj"));
            assertTrue(!m.linearLayers().containsKey("model.layers.0.mlp.gate_proj"));
            String def = FamilyChecks.defaultTemplate(ARCH, dir, root);
            assertTrue(def.contains("[INST] Hi [/INST]"), def);
        }
    }

    @Test
    void routerAuxiliaryLossMatchesAHandComputationAndTrainsTheRouter(@TempDir Path tmp) throws Exception {
        int[] ids = FamilyChecks.ids(12, 512, 11);
        HfTestCheckpoint ck = checkpoint(502L);
        Path dir = ck.write(tmp.resolve("mixtral-aux"), root);
        ReferenceDecoder ref = new ReferenceDecoder(ck.config(), ck.weights());
        ref.forward(ids);
        // Spec A.7: concatenate the router softmax of all layers [L·T, E]; one-hot of the top-k [N, k, E];
        // tokens_per_expert = mean over N [k, E]; router_prob = mean over N [E]; aux = E·Σ tpe[k,e]·prob[e].
        int n = 0;
        double[][] tpe = new double[K][E];
        double[] prob = new double[E];
        for (double[][] layer : ref.routerProbs) {
            for (double[] p : layer) {
                int[] top = ReferenceDecoder.topK(p, K);
                for (int j = 0; j < K; j++) {
                    tpe[j][top[j]] += 1;
                }
                for (int e = 0; e < E; e++) {
                    prob[e] += p[e];
                }
                n++;
            }
        }
        double want = 0;
        for (int j = 0; j < K; j++) {
            for (int e = 0; e < E; e++) {
                want += (tpe[j][e] / n) * (prob[e] / n);
            }
        }
        want *= E;
        try (LlamaModel m = (LlamaModel) FamilyChecks.load(ARCH, dir, root); NDManager step = root.newSubManager()) {
            assertTrue(m.auxiliaryLoss().isEmpty());
            NDArray router = m.parameters().get("model.layers.0.block_sparse_moe.gate.weight");
            router.setRequiresGradient(true);
            long[] flat = new long[ids.length];
            for (int i = 0; i < ids.length; i++) {
                flat[i] = ids[i];
            }
            NDArray in = step.create(flat, new Shape(1, ids.length));
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                m.forward(ForwardInput.training(in));
                NDArray aux = m.auxiliaryLoss().orElseThrow();
                double got = m.loadBalancingLoss().orElseThrow().getFloat();
                System.out.printf("mixtral load-balancing loss: %.8f, hand computation %.8f%n", got, want);
                assertEquals(want, got, 1e-5);
                assertEquals(0.02 * want, aux.getFloat(), 1e-6);
                gc.backward(aux);
            }
            float[] g = router.getGradient().toFloatArray();
            double norm = 0;
            for (float v : g) {
                norm += Math.abs(v);
            }
            assertTrue(norm > 0 && Double.isFinite(norm), "router gradient " + norm);
            // An inference forward leaves the last training forward's loss in place.
            m.forward(ForwardInput.of(in));
            assertTrue(m.auxiliaryLoss().isPresent());
        }
    }

    @Test
    void badCheckpointsNameTheTensorOrFile(@TempDir Path tmp) throws Exception {
        FamilyChecks.assertBadCheckpointsNamed(ARCH, checkpoint(503L),
                "model.layers.1.block_sparse_moe.experts.2.w3.weight", "model.layers.0.block_sparse_moe.gate.weight",
                tmp, root);
    }
}
