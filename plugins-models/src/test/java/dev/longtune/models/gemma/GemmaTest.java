package dev.longtune.models.gemma;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.longtune.api.LongtuneException;
import dev.longtune.models.oracle.HfTestCheckpoint;
import dev.longtune.models.oracle.JlamaParity;
import dev.longtune.models.reference.FamilyChecks;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Gemma 1 (spec A.5) on random HF-layout checkpoints: Jlama parity (MQA, tied, hidden 64 so √H is exact, head_dim =
 * H/nH as Jlama needs); the plain-Java reference with head_dim independent of the hidden size; the tanh GELU forced
 * over {@code hidden_act: gelu}; the real Gemma tokenizer (gemma3's, loaded once) and chat template; bad checkpoints.
 */
public class GemmaTest {

    private static NDManager root;
    private static final GemmaArchitecture ARCH = new GemmaArchitecture();

    @BeforeAll
    static void start() {
        root = NDManager.newBaseManager(Device.cpu());
    }

    @AfterAll
    static void stop() {
        root.close();
    }

    /** A Gemma checkpoint: norm weights ~ N(0, 0.2²) (effective 1 + w), tied, eps 1e-6, hidden_act gelu. */
    public static HfTestCheckpoint checkpoint(int hidden, int inter, int layers, int heads, int kv, int hd,
            int vocab, long seed) {
        HfTestCheckpoint ck = HfTestCheckpoint.decoder("gemma", hidden, inter, layers, heads, kv, hd, vocab, 4096,
                true, 0.0, seed);
        ck.config().put("head_dim", hd);
        ck.config().put("rms_norm_eps", 1e-6);
        ck.config().put("hidden_act", "gelu");
        ck.config().put("bos_token_id", 2);
        ck.config().put("eos_token_id", 1);
        return ck;
    }

    @Test
    void matchesJlamaWithMqaAndTiedEmbeddings(@TempDir Path tmp) throws Exception {
        int[] ids = FamilyChecks.ids(40, 512, 7);
        Path dir = checkpoint(64, 128, 2, 4, 1, 16, 512, 301L).write(tmp.resolve("gemma-mqa"), root);
        JlamaParity.Report r = JlamaParity.assertMatches(ARCH, dir, ids, root);
        assertTrue(r.maxAbsLogit() > 1.0, r.toString());
    }

    @Test
    void matchesReferenceWithHeadDimIndependentOfHidden(@TempDir Path tmp) throws Exception {
        int[] ids = FamilyChecks.ids(20, 512, 8);
        // hidden 48 (√48 is not exact), 4 heads of 16 (nH·hd = 64 ≠ 48), MQA.
        Path dir = tmp.resolve("gemma-hd16");
        FamilyChecks.assertMatchesReference(ARCH, checkpoint(48, 96, 2, 4, 1, 16, 512, 302L), dir, ids, 1e-4, root);
        FamilyChecks.assertCachedMatchesFull(ARCH, dir, ids, 6, root);
    }

    @Test
    void exactGeluActivationIsRefused(@TempDir Path tmp) throws Exception {
        HfTestCheckpoint ck = checkpoint(32, 64, 1, 2, 1, 16, 512, 303L);
        ck.config().put("hidden_activation", "gelu");
        Path dir = ck.write(tmp.resolve("exact-gelu"), root);
        String msg = assertThrows(LongtuneException.class, () -> FamilyChecks.load(ARCH, dir, root).close())
                .getMessage();
        assertTrue(msg.contains("hidden_activation 'gelu'"), msg);
    }

    @Test
    void realGemmaTokenizerAndChatTemplate(@TempDir Path tmp) throws Exception {
        String chat = FamilyChecks.withSharedTokenizer(ARCH, checkpoint(16, 32, 1, 2, 1, 8, 262145, 304L), "gemma3",
                tmp.resolve("tok"), root);
        assertTrue(chat.contains("<start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>model\n"), chat);
        Path dir = checkpoint(32, 64, 1, 2, 1, 16, 512, 305L).write(tmp.resolve("default"), root);
        String def = FamilyChecks.defaultTemplate(ARCH, dir, root);
        assertTrue(def.contains("<start_of_turn>user\nHi<end_of_turn>"), def);
    }

    @Test
    void badCheckpointsNameTheTensorOrFile(@TempDir Path tmp) throws Exception {
        FamilyChecks.assertBadCheckpointsNamed(ARCH, checkpoint(32, 64, 2, 2, 1, 16, 512, 306L),
                "model.layers.1.post_attention_layernorm.weight", "model.layers.0.self_attn.q_proj.weight", tmp,
                root);
    }
}
