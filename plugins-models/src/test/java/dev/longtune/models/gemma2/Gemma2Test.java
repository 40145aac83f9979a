package dev.longtune.models.gemma2;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.longtune.models.oracle.HfTestCheckpoint;
import dev.longtune.models.reference.FamilyChecks;
import dev.longtune.models.reference.ReferenceDecoder;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Gemma 2 (spec A.6), which Jlama gets wrong, against the plain-Java reference on random HF-layout checkpoints: the
 * soft-caps small enough to bend the scores (attention 1.5, final 5), {@code query_pre_attn_scalar} ≠ head_dim,
 * a window of 4 on even layers over 16 tokens, four norms per layer; cached decoding; bad checkpoints.
 */
public class Gemma2Test {

    private static NDManager root;
    private static final Gemma2Architecture ARCH = new Gemma2Architecture();

    @BeforeAll
    static void start() {
        root = NDManager.newBaseManager(Device.cpu());
    }

    @AfterAll
    static void stop() {
        root.close();
    }

    public static HfTestCheckpoint checkpoint(double attnCap, double finalCap, long seed) {
        int hidden = 32;
        int layers = 3;
        HfTestCheckpoint ck = HfTestCheckpoint.decoder("gemma2", hidden, 64, layers, 4, 2, 16, 512, 4096, true, 0.0,
                seed);
        ck.config().put("head_dim", 16);
        ck.config().put("rms_norm_eps", 1e-6);
        ck.config().put("hidden_act", "gelu_pytorch_tanh");
        ck.config().put("hidden_activation", "gelu_pytorch_tanh");
        ck.config().put("query_pre_attn_scalar", 24);
        ck.config().put("sliding_window", 4);
        ck.config().put("attn_logit_softcapping", attnCap);
        ck.config().put("final_logit_softcapping", finalCap);
        for (int i = 0; i < layers; i++) {
            String p = "model.layers." + i + ".";
            ck.put(p + "pre_feedforward_layernorm.weight", 0.2, 0.0, hidden);
            ck.put(p + "post_feedforward_layernorm.weight", 0.2, 0.0, hidden);
        }
        return ck;
    }

    @Test
    void matchesReferenceWithSoftcapsAlternatingWindowAndFourNorms(@TempDir Path tmp) throws Exception {
        int[] ids = FamilyChecks.ids(16, 512, 9);
        HfTestCheckpoint ck = checkpoint(1.5, 5.0, 401L);
        Path dir = tmp.resolve("gemma2");
        FamilyChecks.assertMatchesReference(ARCH, ck, dir, ids, 1e-4, root);
        FamilyChecks.assertCachedMatchesFull(ARCH, dir, ids, 6, root);
        FamilyChecks.assertSaveReload(ARCH, dir, tmp.resolve("saved"), ids, root);
        // Every mechanism is exercised: dropping any one of them moves the reference by far more than the tolerance.
        double[][] base = new ReferenceDecoder(ck.config(), ck.weights()).forward(ids);
        for (String[] change : new String[][] {{"attn_logit_softcapping", "1000"}, {"sliding_window", "100"},
            {"query_pre_attn_scalar", "16"}, {"final_logit_softcapping", "1000"}}) {
            HfTestCheckpoint other = checkpoint(1.5, 5.0, 401L);
            other.config().put(change[0], Double.parseDouble(change[1]));
            double[][] moved = new ReferenceDecoder(other.config(), other.weights()).forward(ids);
            double d = 0;
            for (int i = 0; i < base.length; i++) {
                for (int j = 0; j < base[i].length; j++) {
                    d = Math.max(d, Math.abs(base[i][j] - moved[i][j]));
                }
            }
            assertTrue(d > 1e-2, change[0] + " changes the logits by only " + d);
        }
    }

    @Test
    void layerTypesChooseTheWindowedLayersAndS2IsRefused(@TempDir Path tmp) throws Exception {
        int[] ids = FamilyChecks.ids(12, 512, 12);
        HfTestCheckpoint ck = checkpoint(1.5, 5.0, 404L);
        Path even = ck.write(tmp.resolve("even"), root);
        com.fasterxml.jackson.databind.node.ArrayNode types = ck.config().putArray("layer_types");
        types.add("sliding_attention").add("full_attention").add("sliding_attention");
        Path explicit = ck.write(tmp.resolve("explicit"), root);
        try (dev.longtune.api.LanguageModel a = FamilyChecks.load(ARCH, even, root);
                dev.longtune.api.LanguageModel b = FamilyChecks.load(ARCH, explicit, root)) {
            assertTrue(FamilyChecks.maxDiff(FamilyChecks.logits(a, ids, root, false),
                    FamilyChecks.logits(b, ids, root, false)) == 0.0);
        }
        try (dev.longtune.api.LanguageModel s2 = ARCH.load(new dev.longtune.api.NoOptions(),
                new dev.longtune.api.ModelLoadRequest(even, dev.longtune.models.TestModels.config(even),
                        dev.longtune.models.TestExtension.always(
                                new dev.longtune.api.AttentionPattern.ShiftedSparse(0.5, true)),
                        ai.djl.ndarray.types.DataType.FLOAT32, Device.cpu(), root))) {
            String msg = org.junit.jupiter.api.Assertions.assertThrows(dev.longtune.api.LongtuneException.class,
                    () -> FamilyChecks.logits(s2, ids, root, true)).getMessage();
            assertTrue(msg.contains("not supported by the gemma2 architecture"), msg);
        }
    }

    @Test
    void defaultChatTemplateIsGemmas(@TempDir Path tmp) throws Exception {
        Path dir = checkpoint(50, 30, 402L).write(tmp.resolve("default"), root);
        String def = FamilyChecks.defaultTemplate(ARCH, dir, root);
        assertTrue(def.contains("<start_of_turn>user\nHi<end_of_turn>"), def);
    }

    @Test
    void badCheckpointsNameTheTensorOrFile(@TempDir Path tmp) throws Exception {
        FamilyChecks.assertBadCheckpointsNamed(ARCH, checkpoint(50, 30, 403L),
                "model.layers.1.pre_feedforward_layernorm.weight", "model.layers.2.mlp.down_proj.weight", tmp,
                root);
    }
}
