package dev.longtune.models.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.longtune.conformance.Fixtures;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tokenizer ↔ GGUF mapping on real vocabularies: Mistral (SentencePiece BPE) and Llama 3 (byte-level BPE). */
class GgufVocabularyTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void mistralVocabularyBecomesALlamaTokenizerAndRebuildsIdentically() throws IOException {
        Path tokDir = Fixtures.sharedOrSkip("tokenizers/mistral-7b-v0.1/tokenizer.json").getParent();
        Map<String, GgufValue> md = GgufVocabulary.fromHf(tokDir, 32000, OptionalInt.of(1), OptionalInt.of(2));
        assertEquals("llama", md.get("tokenizer.ggml.model").asString());
        List<?> tokens = md.get("tokenizer.ggml.tokens").asList();
        List<?> types = md.get("tokenizer.ggml.token_type").asList();
        List<?> scores = md.get("tokenizer.ggml.scores").asList();
        assertEquals(32000, tokens.size());
        assertEquals(List.of("<unk>", "<s>", "</s>", "<0x00>"), tokens.subList(0, 4));
        assertEquals(List.of(2L, 3L, 3L, 6L), types.subList(0, 4));
        assertEquals("<0xFF>", tokens.get(258));
        assertEquals(6L, types.get(258));
        assertEquals(1L, types.get(259));
        assertEquals(-0f, scores.get(259));
        assertEquals(-(31999f - 259f), scores.get(31999));
        assertEquals(0L, md.get("tokenizer.ggml.unknown_token_id").asLong());

        // Through a GGUF file and back: the rebuilt tokenizer.json has Mistral's vocabulary and merges.
        Path gguf = dir.resolve("vocab.gguf");
        GgufWriter w = new GgufWriter();
        md.forEach(w::put);
        w.addTensor("dummy", new long[] {1}, GgufTensorType.F32, s -> s.put(new float[1]));
        w.write(gguf);
        Path rebuilt = dir.resolve("rebuilt");
        try (GgufReader r = GgufReader.open(gguf)) {
            GgufVocabulary.writeHf(r, rebuilt);
        }
        JsonNode orig = JSON.readTree(tokDir.resolve("tokenizer.json").toFile());
        JsonNode back = JSON.readTree(rebuilt.resolve("tokenizer.json").toFile());
        assertEquals(orig.path("model").path("vocab"), back.path("model").path("vocab"));
        String text = "The quick brown fox — naïve café, 3.14159! 日本語 \n\ttabs";
        try (HuggingFaceTokenizer a = tokenizer(tokDir.resolve("tokenizer.json"));
                HuggingFaceTokenizer b = tokenizer(rebuilt.resolve("tokenizer.json"))) {
            assertEquals(Arrays.toString(a.encode(text, false, false).getIds()),
                    Arrays.toString(b.encode(text, false, false).getIds()));
        }
    }

    @Test
    void llama3VocabularyBecomesAGpt2TokenizerWithMerges() throws IOException {
        Path tokDir = Fixtures.sharedOrSkip("tokenizers/llama3/tokenizer.json").getParent();
        JsonNode orig = JSON.readTree(tokDir.resolve("tokenizer.json").toFile());
        Map<String, GgufValue> md = GgufVocabulary.fromHf(tokDir, 128256, OptionalInt.of(128000),
                OptionalInt.of(128001));
        assertEquals("gpt2", md.get("tokenizer.ggml.model").asString());
        assertEquals("llama-bpe", md.get("tokenizer.ggml.pre").asString());
        List<?> tokens = md.get("tokenizer.ggml.tokens").asList();
        List<?> types = md.get("tokenizer.ggml.token_type").asList();
        assertEquals(128256, tokens.size());
        assertEquals("<|begin_of_text|>", tokens.get(128000));
        assertEquals(3L, types.get(128000));
        assertEquals(1L, types.get(0));
        List<?> merges = md.get("tokenizer.ggml.merges").asList();
        assertEquals(orig.path("model").path("merges").size(), merges.size());
        JsonNode m0 = orig.path("model").path("merges").get(0);
        assertEquals(m0.isArray() ? m0.get(0).asText() + " " + m0.get(1).asText() : m0.asText(), merges.get(0));
        assertTrue(!md.containsKey("tokenizer.ggml.scores"), "gpt2 vocabularies carry no scores");
    }

    private static HuggingFaceTokenizer tokenizer(Path file) throws IOException {
        return HuggingFaceTokenizer.builder().optTokenizerPath(file).optAddSpecialTokens(false)
                .optTruncation(false).optPadding(false).optMaxLength(100000).build();
    }
}
