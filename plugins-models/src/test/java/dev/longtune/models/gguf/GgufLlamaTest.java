package dev.longtune.models.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longtune.api.Generation;
import dev.longtune.api.GenerationOptions;
import dev.longtune.api.LongtuneException;
import dev.longtune.conformance.Fixtures;
import dev.longtune.models.TestModels;
import dev.longtune.models.io.Half;
import dev.longtune.models.io.SafetensorsReader;
import dev.longtune.models.llama.LlamaModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * GGUF export and import of the real stories260K, checked against independent references: the GGUF llama.cpp's own
 * converter made from the same weights, the HF checkpoint's tensors, and the reference greedy continuation.
 */
class GgufLlamaTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String REFERENCE = "models/stories260K-gguf/stories260K.gguf";

    @TempDir
    static Path dir;

    static NDManager parent;
    static LlamaModel stories;
    static Path f32;

    @BeforeAll
    static void exportOnce() throws IOException {
        parent = NDManager.newBaseManager(Device.cpu());
        stories = TestModels.stories(parent);
        f32 = dir.resolve("stories-f32.gguf");
        LlamaGgufExporter.export(stories, Fixtures.stories260K(), LlamaGgufExporter.FORMAT, f32);
    }

    @AfterAll
    static void close() {
        stories.close();
        parent.close();
    }

    private static int[] greedy(Path hfDir) throws IOException {
        int[] ref = TestModels.referenceGreedy();
        try (NDManager p = NDManager.newBaseManager(Device.cpu()); LlamaModel m = TestModels.load(hfDir, p)) {
            GenerationOptions options = new GenerationOptions(ref.length - 1, 0f, 0, 1f, 0L, false);
            Generation g = m.generate(new int[] {ref[0]}, options, null);
            int[] out = new int[g.tokenIds().length + 1];
            out[0] = ref[0];
            System.arraycopy(g.tokenIds(), 0, out, 1, g.tokenIds().length);
            return out;
        }
    }

    /** Same tensors (names, ggml dims, types, exact F32 values), core metadata and vocabulary as llama.cpp's file. */
    @Test
    void f32ExportMatchesTheLlamaCppConvertedFile() throws IOException {
        Path refFile = Fixtures.sharedOrSkip(REFERENCE);
        try (GgufReader mine = GgufReader.open(f32); GgufReader ref = GgufReader.open(refFile)) {
            // llama2.c's converter writes the tied classifier out again; ours leaves output.weight out (tied).
            assertFalse(mine.tensors().containsKey("output.weight"));
            assertArrayEquals(ref.readFloats("token_embd.weight"), ref.readFloats("output.weight"));
            assertEquals(ref.tensors().size() - 1, mine.tensors().size());
            for (GgufReader.TensorInfo t : mine.tensors().values()) {
                GgufReader.TensorInfo r = ref.tensors().get(t.name());
                assertNotNull(r, "llama.cpp's file has no " + t.name());
                assertArrayEquals(r.dims(), t.dims(), t.name());
                assertEquals(r.typeId(), t.typeId(), t.name());
                assertArrayEquals(ref.readFloats(t.name()), mine.readFloats(t.name()), t.name());
            }
            for (String key : List.of("general.architecture", "llama.embedding_length", "llama.block_count",
                    "llama.feed_forward_length", "llama.attention.head_count", "llama.attention.head_count_kv",
                    "llama.rope.dimension_count", "llama.attention.layer_norm_rms_epsilon", "tokenizer.ggml.model",
                    "tokenizer.ggml.tokens", "tokenizer.ggml.scores", "tokenizer.ggml.token_type",
                    "tokenizer.ggml.bos_token_id", "tokenizer.ggml.eos_token_id",
                    "tokenizer.ggml.unknown_token_id")) {
                assertEquals(ref.metadata().get(key), mine.metadata().get(key), key);
            }
            // llama2.c's converter was run with its default context of 128; config.json says 512.
            assertEquals(128, ref.integer("llama.context_length"));
            assertEquals(512, mine.integer("llama.context_length"));
            assertEquals(512, mine.integer("llama.vocab_size"));
            assertEquals(10000f, (float) mine.number("llama.rope.freq_base"));
            assertEquals(0, mine.integer("general.file_type"));
        }
    }

    /** HF → GGUF → HF gives the same tensors bit for bit, a loadable config, and the same greedy continuation. */
    @Test
    void roundTripIsBitIdenticalAndGeneratesTheSameText() throws IOException {
        Path back = dir.resolve("roundtrip");
        LlamaGgufImporter.importTo(f32, back, null); // tokenizer rebuilt from the GGUF vocabulary
        Path orig = Fixtures.stories260K();
        try (SafetensorsReader a = SafetensorsReader.open(orig.resolve("model.safetensors"));
                SafetensorsReader b = SafetensorsReader.open(back.resolve("model.safetensors"))) {
            assertEquals(a.tensors().keySet(), b.tensors().keySet());
            for (String name : a.tensors().keySet()) {
                assertArrayEquals(a.info(name).shape(), b.info(name).shape(), name);
                float[] x = a.readFloats(name);
                float[] y = b.readFloats(name);
                for (int i = 0; i < x.length; i++) {
                    assertEquals(Float.floatToRawIntBits(x[i]), Float.floatToRawIntBits(y[i]), name + "[" + i + "]");
                }
            }
        }
        JsonNode oc = JSON.readTree(orig.resolve("config.json").toFile());
        JsonNode bc = JSON.readTree(back.resolve("config.json").toFile());
        for (String k : List.of("model_type", "hidden_size", "intermediate_size", "num_hidden_layers",
                "num_attention_heads", "num_key_value_heads", "head_dim", "vocab_size", "max_position_embeddings",
                "rms_norm_eps", "rope_theta", "tie_word_embeddings", "bos_token_id", "eos_token_id")) {
            assertEquals(oc.get(k), bc.get(k), k);
        }
        assertArrayEquals(TestModels.referenceGreedy(), greedy(back));
    }

    /** The tokenizer rebuilt from GGUF metadata has the original vocabulary and merges, and encodes alike. */
    @Test
    void rebuiltTokenizerEqualsTheOriginal() throws IOException {
        Path back = dir.resolve("tok");
        LlamaGgufImporter.importTo(f32, back, null);
        JsonNode o = JSON.readTree(Fixtures.stories260K().resolve("tokenizer.json").toFile());
        JsonNode b = JSON.readTree(back.resolve("tokenizer.json").toFile());
        assertEquals(o.path("model").path("vocab"), b.path("model").path("vocab"));
        assertEquals(o.path("model").path("merges"), b.path("model").path("merges"));
        assertEquals(o.path("normalizer"), b.path("normalizer"));
        assertEquals(o.path("decoder"), b.path("decoder"));
        String text = "Once upon a time, Lily saw a big dog. \"Hi!\" she said — 42 €.";
        try (NDManager p = NDManager.newBaseManager(Device.cpu()); LlamaModel m = TestModels.load(back, p)) {
            assertArrayEquals(stories.tokenizer().encode(text), m.tokenizer().encode(text));
            assertEquals(stories.tokenizer().bosId(), m.tokenizer().bosId());
            assertEquals(stories.tokenizer().eosId(), m.tokenizer().eosId());
        }
    }

    /** llama.cpp's own file, read by our reader and imported, generates the reference continuation. */
    @Test
    void llamaCppFileImportsAndGeneratesTheReference() throws IOException {
        Path refFile = Fixtures.sharedOrSkip(REFERENCE);
        Path back = dir.resolve("from-llama-cpp");
        LlamaGgufImporter.importTo(refFile, back, null);
        JsonNode c = JSON.readTree(back.resolve("config.json").toFile());
        assertTrue(c.get("tie_word_embeddings").asBoolean(), "identical output.weight folds into tied embeddings");
        // llama2.c's converter declared a context of 128 (its default); the model was trained at 512, so give it
        // back its real context to compare all 256 generated tokens.
        assertEquals(128, c.get("max_position_embeddings").asInt());
        ObjectNode fixed = (ObjectNode) c;
        fixed.put("max_position_embeddings", 512);
        JSON.writeValue(back.resolve("config.json").toFile(), fixed);
        assertArrayEquals(TestModels.referenceGreedy(), greedy(back));
        // With the original tokenizer folder given, its files are copied verbatim.
        Path copied = dir.resolve("from-llama-cpp-tok");
        LlamaGgufImporter.importTo(refFile, copied, Fixtures.stories260K());
        assertEquals(Files.readString(Fixtures.stories260K().resolve("tokenizer.json")),
                Files.readString(copied.resolve("tokenizer.json")));
    }

    /** F16: 2-D weights are F16 holding the F32 values rounded to nearest even; 1-D norms stay F32. */
    @Test
    void f16ExportReadsBackWithinHalfRounding() throws IOException {
        Path f16 = dir.resolve("stories-f16.gguf");
        LlamaGgufExporter.export(stories, Fixtures.stories260K(), LlamaGgufExporter.FORMAT_F16, f16);
        assertTrue(Files.size(f16) < Files.size(f32) * 0.6, "F16 roughly halves the file");
        try (GgufReader full = GgufReader.open(f32); GgufReader half = GgufReader.open(f16)) {
            assertEquals(1, half.integer("general.file_type"));
            assertEquals(full.tensors().keySet(), half.tensors().keySet());
            for (GgufReader.TensorInfo t : half.tensors().values()) {
                assertEquals(t.dims().length == 1 ? GgufTensorType.F32 : GgufTensorType.F16, t.type(), t.name());
                float[] x = full.readFloats(t.name());
                float[] y = half.readFloats(t.name());
                for (int i = 0; i < x.length; i++) {
                    float rounded = t.dims().length == 1 ? x[i] : Half.toFloat(Half.fromFloat(x[i]));
                    assertEquals(rounded, y[i], 0f, t.name() + "[" + i + "]");
                    assertEquals(x[i], y[i], Math.abs(x[i]) * 0x1p-11f + 0x1p-24f, t.name());
                }
            }
        }
        // And it imports and runs: the first tokens of the greedy continuation survive fp16 weights.
        Path back = dir.resolve("f16-back");
        LlamaGgufImporter.importTo(f16, back, null);
        int[] ids = greedy(back);
        assertArrayEquals(Arrays.copyOf(TestModels.referenceGreedy(), 16), Arrays.copyOf(ids, 16));
    }

    /** q/k permutation: HF rotate_half rows (j, j+hd/2) become GGML rows (2j, 2j+1); unpermute inverts it. */
    @Test
    void qkPermutationMatchesTheSpecExample() {
        // One head of hd = 8, one column: HF order is Meta rows [0,2,4,6,1,3,5,7] (numerics spec A.1).
        float[] hf = {0, 2, 4, 6, 1, 3, 5, 7};
        float[] ggml = LlamaGgufLayout.permute(hf, 1, 1);
        assertArrayEquals(new float[] {0, 1, 2, 3, 4, 5, 6, 7}, ggml);
        assertArrayEquals(hf, LlamaGgufLayout.unpermute(ggml, 1, 1));
        float[] two = new float[2 * 4 * 3];
        for (int i = 0; i < two.length; i++) {
            two[i] = i;
        }
        assertArrayEquals(two, LlamaGgufLayout.unpermute(LlamaGgufLayout.permute(two, 2, 3), 2, 3));
        assertEquals("blk.3.attn_output.weight", LlamaGgufLayout.toGguf("model.layers.3.self_attn.o_proj.weight"));
        assertEquals("model.layers.3.mlp.down_proj.weight", LlamaGgufLayout.toHf("blk.3.ffn_down.weight"));
    }

    @Test
    void exportRefusesAFolderAsTarget() {
        LongtuneException e = assertThrows(LongtuneException.class,
                () -> LlamaGgufExporter.export(stories, Fixtures.stories260K(), LlamaGgufExporter.FORMAT, dir));
        assertTrue(e.getMessage().contains("single file"), e.getMessage());
    }

    @Test
    void importOfATruncatedFileIsAClearError() throws IOException {
        byte[] whole = Files.readAllBytes(f32);
        Path cut = dir.resolve("cut.gguf");
        Files.write(cut, Arrays.copyOf(whole, whole.length - 100));
        LongtuneException e = assertThrows(LongtuneException.class,
                () -> LlamaGgufImporter.importTo(cut, dir.resolve("never"), null));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
        assertFalse(Files.exists(dir.resolve("never")));
    }

    @Test
    void metadataMatchesTheConfig() throws IOException {
        try (GgufReader r = GgufReader.open(f32)) {
            Map<String, GgufValue> md = r.metadata();
            assertEquals("llama", md.get("general.architecture").asString());
            assertEquals(64, r.integer("llama.embedding_length"));
            assertEquals(5, r.integer("llama.block_count"));
            assertEquals(GgufType.UINT32, md.get("llama.block_count").type());
            assertEquals(true, md.get("tokenizer.ggml.add_bos_token").value());
        }
    }
}
