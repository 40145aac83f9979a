package dev.longtune.models.qwen2;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.longtune.api.LanguageModel;
import dev.longtune.models.oracle.HfTestCheckpoint;
import dev.longtune.models.oracle.JlamaParity;
import dev.longtune.models.reference.FamilyChecks;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Qwen2 (spec A.4: q/k/v biases, tied small models) on random HF-layout checkpoints: Jlama parity, the plain-Java
 * reference, cached decoding, the real Qwen tokenizer and its chat template, bad checkpoints (including a missing
 * bias).
 */
public class Qwen2Test {

    private static NDManager root;
    private static final Qwen2Architecture ARCH = new Qwen2Architecture();

    @BeforeAll
    static void start() {
        root = NDManager.newBaseManager(Device.cpu());
    }

    @AfterAll
    static void stop() {
        root.close();
    }

    public static HfTestCheckpoint checkpoint(int vocab, boolean tied, long seed) {
        HfTestCheckpoint ck = HfTestCheckpoint.decoder("qwen2", 64, 128, 2, 4, 2, 16, vocab, 4096, tied, 1.0, seed);
        ck.config().put("rms_norm_eps", 1e-6);
        ck.config().put("use_sliding_window", false);
        ck.config().put("sliding_window", 4096);
        ck.config().put("max_window_layers", 1);
        for (int i = 0; i < 2; i++) {
            String p = "model.layers." + i + ".self_attn.";
            ck.putLinearBias(p + "q_proj.bias", 4 * 16);
            ck.putLinearBias(p + "k_proj.bias", 2 * 16);
            ck.putLinearBias(p + "v_proj.bias", 2 * 16);
        }
        return ck;
    }

    @Test
    void matchesJlamaWithBiases(@TempDir Path tmp) throws Exception {
        int[] ids = FamilyChecks.ids(40, 512, 5);
        Path dir = checkpoint(512, false, 201L).write(tmp.resolve("qwen2"), root);
        JlamaParity.Report r = JlamaParity.assertMatches(ARCH, dir, ids, root);
        assertTrue(r.maxAbsLogit() > 1.0, r.toString());
    }

    @Test
    void matchesReferenceTiedAndCachedDecoding(@TempDir Path tmp) throws Exception {
        int[] ids = FamilyChecks.ids(20, 512, 6);
        Path dir = tmp.resolve("qwen2-tied");
        FamilyChecks.assertMatchesReference(ARCH, checkpoint(512, true, 202L), dir, ids, 1e-4, root);
        FamilyChecks.assertCachedMatchesFull(ARCH, dir, ids, 5, root);
        try (LanguageModel m = FamilyChecks.load(ARCH, dir, root)) {
            assertTrue(m.linearLayers().get("model.layers.0.self_attn.q_proj").bias() != null);
            assertTrue(m.linearLayers().get("model.layers.0.self_attn.o_proj").bias() == null);
            assertTrue(m.architecture().equals("qwen2"));
        }
    }

    @Test
    void realQwenTokenizerAndChatTemplate(@TempDir Path tmp) throws Exception {
        String chat = FamilyChecks.withSharedTokenizer(ARCH, checkpoint(151669, true, 203L), "qwen3",
                tmp.resolve("tok"), root);
        assertTrue(chat.contains("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"), chat);
        Path dir = checkpoint(512, false, 204L).write(tmp.resolve("default"), root);
        String def = FamilyChecks.defaultTemplate(ARCH, dir, root);
        assertTrue(def.contains("<|im_start|>user\nHi<|im_end|>"), def);
    }

    @Test
    void badCheckpointsNameTheTensorOrFile(@TempDir Path tmp) throws Exception {
        FamilyChecks.assertBadCheckpointsNamed(ARCH, checkpoint(512, false, 205L),
                "model.layers.1.self_attn.k_proj.bias", "model.layers.0.self_attn.q_proj.bias", tmp, root);
    }
}
