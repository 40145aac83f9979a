package dev.longtune.models.tokenizer;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longtune.api.LongtuneException;
import dev.longtune.api.TextTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalInt;

/**
 * A {@link TextTokenizer} over the Rust {@code tokenizers} library (through DJL), loaded offline from a checkpoint's
 * {@code tokenizer.json}.
 *
 * <p>DJL's defaults would add special tokens and silently truncate to 512 tokens; both are switched off here, and
 * BOS/EOS come from {@code tokenizer_config.json} (resolved through the vocabulary) or {@code config.json}, so every
 * pipeline adds them explicitly.
 */
public final class HfTextTokenizer implements TextTokenizer, AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HuggingFaceTokenizer tokenizer;
    private final int vocabSize;
    private final OptionalInt bos;
    private final OptionalInt eos;

    private HfTextTokenizer(HuggingFaceTokenizer tokenizer, int vocabSize, OptionalInt bos, OptionalInt eos) {
        this.tokenizer = tokenizer;
        this.vocabSize = vocabSize;
        this.bos = bos;
        this.eos = eos;
    }

    /**
     * Loads {@code directory/tokenizer.json}. {@code hfConfig} (the checkpoint's {@code config.json}, may be null)
     * supplies BOS/EOS ids when {@code tokenizer_config.json} does not name them.
     */
    public static HfTextTokenizer load(Path directory, ObjectNode hfConfig) throws IOException {
        Path file = directory.resolve("tokenizer.json");
        if (!Files.isRegularFile(file)) {
            throw new LongtuneException("tokenizer.json is missing from " + directory
                    + " — copy the tokenizer files of the checkpoint into that folder");
        }
        Map<String, Integer> vocab = new HashMap<>();
        int size;
        try {
            size = readVocabulary(JSON.readTree(file.toFile()), vocab);
        } catch (IOException e) {
            throw new LongtuneException("cannot parse " + file + ": " + e.getMessage(), e);
        }
        JsonNode tokConfig = null;
        Path tc = directory.resolve("tokenizer_config.json");
        if (Files.isRegularFile(tc)) {
            try {
                tokConfig = JSON.readTree(tc.toFile());
            } catch (IOException e) {
                throw new LongtuneException("cannot parse " + tc + ": " + e.getMessage(), e);
            }
        }
        OptionalInt bos = special(tokConfig, "bos_token", vocab, hfConfig, "bos_token_id");
        OptionalInt eos = special(tokConfig, "eos_token", vocab, hfConfig, "eos_token_id");
        HuggingFaceTokenizer tok;
        try {
            // Point at the file, not the folder, so DJL does not pick up model_max_length from tokenizer_config.
            tok = HuggingFaceTokenizer.builder()
                    .optTokenizerPath(file)
                    .optAddSpecialTokens(false)
                    .optTruncation(false)
                    .optPadding(false)
                    .optMaxLength(Integer.MAX_VALUE / 2)
                    .build();
        } catch (RuntimeException e) {
            throw new LongtuneException("cannot load " + file + ": " + e.getMessage(), e);
        }
        return new HfTextTokenizer(tok, size, bos, eos);
    }

    /** Fills {@code vocab} (token → id) and returns the vocabulary size: largest id + 1. */
    private static int readVocabulary(JsonNode root, Map<String, Integer> vocab) {
        int max = -1;
        JsonNode modelVocab = root.path("model").path("vocab");
        if (modelVocab.isObject()) { // BPE, WordPiece, WordLevel: {token: id}
            for (Map.Entry<String, JsonNode> e : modelVocab.properties()) {
                int id = e.getValue().asInt();
                vocab.put(e.getKey(), id);
                max = Math.max(max, id);
            }
        } else if (modelVocab.isArray()) { // Unigram: [[token, score], ...], id = index
            for (int i = 0; i < modelVocab.size(); i++) {
                vocab.put(modelVocab.get(i).path(0).asText(), i);
            }
            max = modelVocab.size() - 1;
        }
        for (JsonNode t : root.path("added_tokens")) {
            int id = t.path("id").asInt();
            vocab.put(t.path("content").asText(), id); // added tokens win over the base vocabulary
            max = Math.max(max, id);
        }
        return max + 1;
    }

    private static OptionalInt special(JsonNode tokConfig, String key, Map<String, Integer> vocab,
            ObjectNode hfConfig, String idKey) {
        if (tokConfig != null) {
            JsonNode v = tokConfig.path(key);
            String content = v.isTextual() ? v.asText() : v.path("content").isTextual() ? v.path("content").asText()
                    : null;
            if (content != null && vocab.containsKey(content)) {
                return OptionalInt.of(vocab.get(content));
            }
        }
        if (hfConfig != null) {
            JsonNode id = hfConfig.path(idKey);
            if (id.isArray() && id.size() > 0) {
                id = id.get(0); // Llama 3.1 lists several EOS ids; the first is the canonical one
            }
            if (id.canConvertToInt()) {
                return OptionalInt.of(id.asInt());
            }
        }
        return OptionalInt.empty();
    }

    @Override
    public int[] encode(String text) {
        Encoding enc = tokenizer.encode(text, false, false);
        long[] ids = enc.getIds();
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = (int) ids[i];
        }
        return out;
    }

    @Override
    public String decode(int[] ids) {
        long[] l = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            l[i] = ids[i];
        }
        return tokenizer.decode(l, true);
    }

    @Override
    public int vocabSize() {
        return vocabSize;
    }

    @Override
    public OptionalInt bosId() {
        return bos;
    }

    @Override
    public OptionalInt eosId() {
        return eos;
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
