package dev.longtune.models.mistral;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.longtune.api.AttentionPattern;
import dev.longtune.api.LanguageModel;
import dev.longtune.models.TestExtension;
import dev.longtune.models.oracle.HfTestCheckpoint;
import dev.longtune.models.oracle.JlamaParity;
import dev.longtune.models.reference.FamilyChecks;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mistral (spec A.3) on random HF-layout checkpoints: Jlama parity without a window and with one at least the
 * sequence length (where Jlama is faithful); the window itself (W keys, HF's edge) against the plain-Java reference,
 * in full forwards and with the rolling KV cache; the real Mistral tokenizer; bad checkpoints.
 */
class MistralTest {

    private static NDManager root;
    private static final MistralArchitecture ARCH = new MistralArchitecture();

    @BeforeAll
    static void start() {
        root = NDManager.newBaseManager(Device.cpu());
    }

    @AfterAll
    static void stop() {
        root.close();
    }

    static HfTestCheckpoint checkpoint(Integer window, int vocab, long seed) {
        HfTestCheckpoint ck = HfTestCheckpoint.decoder("mistral", 64, 128, 2, 4, 2, 16, vocab, 4096, false, 1.0,
                seed);
        if (window == null) {
            ck.config().putNull("sliding_window");
        } else {
            ck.config().put("sliding_window", window);
        }
        return ck;
    }

    @Test
    void matchesJlamaWithoutWindowAndWithWindowAtLeastTheSequence(@TempDir Path tmp) throws Exception {
        int[] ids = FamilyChecks.ids(40, 512, 3);
        Path none = checkpoint(null, 512, 101L).write(tmp.resolve("mistral-null-window"), root);
        JlamaParity.assertMatches(ARCH, none, ids, root);
        Path wide = checkpoint(40, 512, 102L).write(tmp.resolve("mistral-window-40"), root);
        JlamaParity.Report r = JlamaParity.assertMatches(ARCH, wide, ids, root);
        assertTrue(r.maxAbsLogit() > 1.0, r.toString());
    }

    @Test
    void slidingWindowSeesExactlyWKeysAsTheReference(@TempDir Path tmp) throws Exception {
        int[] ids = FamilyChecks.ids(24, 512, 4);
        HfTestCheckpoint ck = checkpoint(5, 512, 103L);
        Path dir = tmp.resolve("mistral-window-5");
        FamilyChecks.assertMatchesReference(ARCH, ck, dir, ids, 1e-4, root);
        // The window really matters: without it the logits differ.
        try (LanguageModel m = FamilyChecks.load(ARCH, dir, root)) {
            assertEquals(new AttentionPattern.SlidingWindow(5), attention(m));
        }
        // Rolling cache (5 slots) over 24 tokens, prefill 7 > W.
        FamilyChecks.assertCachedMatchesFull(ARCH, dir, ids, 7, root);
        HfTestCheckpoint w6 = checkpoint(6, 512, 103L);
        double[][] ref6 = new dev.longtune.models.reference.ReferenceDecoder(w6.config(), w6.weights()).forward(ids);
        double[][] ref5 = new dev.longtune.models.reference.ReferenceDecoder(ck.config(), ck.weights()).forward(ids);
        assertTrue(FamilyChecks.maxDiff(ref6, toFloat(ref5)) > 1e-3, "W and W+1 must differ on this input");
    }

    @Test
    void contextExtensionPatternCombinesWithTheModelWindow(@TempDir Path tmp) throws Exception {
        Path dir = checkpoint(8, 512, 104L).write(tmp.resolve("m"), root);
        try (LanguageModel causal = load(dir, TestExtension.always(AttentionPattern.CAUSAL));
                LanguageModel narrower = load(dir, TestExtension.always(new AttentionPattern.SlidingWindow(3)));
                LanguageModel wider = load(dir, TestExtension.always(new AttentionPattern.SlidingWindow(100)))) {
            assertEquals(new AttentionPattern.SlidingWindow(8), attention(causal));
            assertEquals(new AttentionPattern.SlidingWindow(3), attention(narrower));
            assertEquals(new AttentionPattern.SlidingWindow(8), attention(wider));
        }
    }

    @Test
    void realMistralTokenizerAndChatTemplate(@TempDir Path tmp) throws Exception {
        String chat = FamilyChecks.withSharedTokenizer(ARCH, checkpoint(4096, 32000, 105L), "mistral-7b-v0.1",
                tmp.resolve("tok"), root);
        assertTrue(chat.startsWith("<s>[INST] Hi [/INST]"), chat);
        Path dir = checkpoint(null, 512, 106L).write(tmp.resolve("default"), root);
        assertTrue(FamilyChecks.defaultTemplate(ARCH, dir, root).contains("[INST] Hi [/INST]"));
    }

    /**
     * Mistral exports to GGUF like llama.cpp's converter does (architecture {@code llama}; llama.cpp has no sliding
     * window there, so the model is exported without one): re-imported, it gives the Mistral model's logits.
     */
    @Test
    void exportsToGgufAndReimportsWithTheSameLogits(@TempDir Path tmp) throws Exception {
        int[] ids = FamilyChecks.ids(24, 512, 5);
        Path dir = checkpoint(null, 512, 108L).write(tmp.resolve("mistral"), root);
        Path gguf = tmp.resolve("mistral.gguf");
        float[] before;
        try (LanguageModel m = load(dir, null)) {
            assertTrue(m.exportFormats().contains("gguf"), m.exportFormats().toString());
            m.export("gguf", gguf);
            before = logits(m, ids);
        }
        Path back = tmp.resolve("reimported");
        dev.longtune.models.gguf.LlamaGgufImporter.importTo(gguf, back, dir);
        try (LanguageModel m = new dev.longtune.models.llama.LlamaArchitecture().load(new dev.longtune.api.NoOptions(),
                new dev.longtune.api.ModelLoadRequest(back, dev.longtune.models.TestModels.config(back), null,
                        ai.djl.ndarray.types.DataType.FLOAT32, Device.cpu(), root))) {
            float[] after = logits(m, ids);
            float worst = 0;
            for (int i = 0; i < before.length; i++) {
                worst = Math.max(worst, Math.abs(before[i] - after[i]));
            }
            assertTrue(worst < 1e-5, "re-imported GGUF logits differ by " + worst);
        }
    }

    private static float[] logits(LanguageModel m, int[] ids) {
        try (ai.djl.ndarray.NDManager step = root.newSubManager()) {
            long[] l = java.util.Arrays.stream(ids).asLongStream().toArray();
            return m.forward(dev.longtune.api.ForwardInput.of(step.create(l, new ai.djl.ndarray.types.Shape(1,
                    l.length)))).toFloatArray();
        }
    }

    @Test
    void badCheckpointsNameTheTensorOrFile(@TempDir Path tmp) throws Exception {
        FamilyChecks.assertBadCheckpointsNamed(ARCH, checkpoint(null, 512, 107L),
                "model.layers.1.mlp.up_proj.weight", "model.layers.0.self_attn.k_proj.weight", tmp, root);
    }

    private static LanguageModel load(Path dir, dev.longtune.api.ContextExtension ext) throws Exception {
        return ARCH.load(new dev.longtune.api.NoOptions(), new dev.longtune.api.ModelLoadRequest(dir,
                dev.longtune.models.TestModels.config(dir), ext, ai.djl.ndarray.types.DataType.FLOAT32,
                Device.cpu(), root));
    }

    private static AttentionPattern attention(LanguageModel m) {
        return dev.longtune.models.llama.LlamaModelAccess.attention(m, false);
    }

    private static float[][] toFloat(double[][] x) {
        float[][] out = new float[x.length][];
        for (int i = 0; i < x.length; i++) {
            out[i] = new float[x[i].length];
            for (int j = 0; j < x[i].length; j++) {
                out[i][j] = (float) x[i][j];
            }
        }
        return out;
    }
}
