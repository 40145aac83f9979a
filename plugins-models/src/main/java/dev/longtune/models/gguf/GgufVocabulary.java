package dev.longtune.models.gguf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longtune.api.LongtuneException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.regex.Pattern;

/**
 * The tokenizer as GGUF metadata ({@code tokenizer.ggml.*}) and back.
 *
 * <p><b>HF → GGUF.</b> From {@code tokenizer.json} (BPE model):
 * <ul>
 *   <li>SentencePiece-style BPE (byte-fallback {@code <0xHH>} pieces, {@code ▁} for spaces: Llama 2, Mistral,
 *       stories*) → {@code tokenizer.ggml.model = "llama"}. Types: the unknown token UNKNOWN (2), special added
 *       tokens CONTROL (3), other added tokens USER_DEFINED (4), {@code <0xHH>} BYTE (6), the rest NORMAL (1).
 *       Scores: SentencePiece orders normal pieces by descending score, and {@code tokenizer.json} keeps that order
 *       in its ids, so the n-th normal piece gets {@code -n} (exactly what SentencePiece BPE training writes);
 *       other pieces get 0. No merges (llama.cpp's SPM tokenizer merges by score).</li>
 *   <li>Byte-level BPE (tiktoken style: Llama 3) → {@code "gpt2"} with {@code tokenizer.ggml.merges} and
 *       {@code tokenizer.ggml.pre} ({@code llama-bpe} for Llama 3's split pattern, else {@code default}).</li>
 * </ul>
 * Ids past the tokenizer up to {@code vocab_size} become {@code [PADn]} UNUSED (5) entries, as llama.cpp's
 * converter does, so the token list always matches the embedding rows.
 *
 * <p><b>GGUF → HF.</b> A {@code llama} vocabulary is rebuilt as a {@code tokenizer.json} in the layout transformers
 * writes for SentencePiece BPE (legacy Llama: prepend/replace {@code ▁} normaliser, byte fallback), with merges
 * derived from the scores as transformers' {@code SentencePieceExtractor} does. {@code gpt2} vocabularies need the
 * original tokenizer files.
 */
final class GgufVocabulary {

    static final int NORMAL = 1;
    static final int UNKNOWN = 2;
    static final int CONTROL = 3;
    static final int USER_DEFINED = 4;
    static final int UNUSED = 5;
    static final int BYTE = 6;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper PRETTY = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final Pattern BYTE_PIECE = Pattern.compile("<0x[0-9A-F]{2}>");
    /** The start of Llama 3's pre-tokenizer split pattern (llama.cpp calls it {@code llama-bpe}). */
    private static final String LLAMA3_SPLIT = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}";

    private GgufVocabulary() {}

    /** The {@code tokenizer.*} metadata for the tokenizer in {@code dir}, padded to {@code vocabSize} entries. */
    static Map<String, GgufValue> fromHf(Path dir, int vocabSize, OptionalInt bos, OptionalInt eos)
            throws IOException {
        Path file = dir == null ? null : dir.resolve("tokenizer.json");
        if (file == null || !Files.isRegularFile(file)) {
            throw new LongtuneException("cannot export the tokenizer to GGUF: tokenizer.json is missing from " + dir);
        }
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new LongtuneException("cannot parse " + file + ": " + e.getMessage(), e);
        }
        JsonNode tokConfig = readOptional(dir.resolve("tokenizer_config.json"));
        JsonNode model = root.path("model");
        String type = model.path("type").asText("");
        if (!type.equals("BPE") || !model.path("vocab").isObject()) {
            throw new LongtuneException(file + ": only BPE tokenizers can be exported to GGUF yet (this one is '"
                    + type + "')");
        }
        String[] tokens = new String[vocabSize];
        int[] types = new int[vocabSize];
        for (Map.Entry<String, JsonNode> e : model.path("vocab").properties()) {
            put(tokens, types, e.getValue().asInt(), e.getKey(), NORMAL, file);
        }
        String unk = model.path("unk_token").isTextual() ? model.path("unk_token").asText() : null;
        Map<String, Integer> ids = new HashMap<>();
        for (JsonNode t : root.path("added_tokens")) {
            put(tokens, types, t.path("id").asInt(), t.path("content").asText(),
                    t.path("special").asBoolean(false) ? CONTROL : USER_DEFINED, file);
        }
        for (int i = 0; i < vocabSize; i++) {
            if (tokens[i] == null) {
                tokens[i] = "[PAD" + i + "]";
                types[i] = UNUSED;
            } else {
                ids.putIfAbsent(tokens[i], i);
            }
        }
        boolean spm = model.path("byte_fallback").asBoolean(false) || ids.containsKey("<0x00>")
                || root.toString().contains("\u2581");
        boolean byteLevel = root.path("pre_tokenizer").toString().contains("ByteLevel")
                || root.path("decoder").toString().contains("ByteLevel");
        Map<String, GgufValue> out = new LinkedHashMap<>();
        if (spm && !byteLevel) {
            float[] scores = new float[vocabSize];
            int rank = 0;
            for (int i = 0; i < vocabSize; i++) {
                if (unk != null && tokens[i].equals(unk) && types[i] != UNUSED) {
                    types[i] = UNKNOWN;
                } else if (types[i] == NORMAL && BYTE_PIECE.matcher(tokens[i]).matches()) {
                    types[i] = BYTE;
                }
                if (types[i] == NORMAL) {
                    scores[i] = -(float) rank++;
                } else if (types[i] == UNUSED) {
                    scores[i] = -1000f;
                }
            }
            out.put("tokenizer.ggml.model", GgufValue.string("llama"));
            out.put("tokenizer.ggml.tokens", GgufValue.strings(List.of(tokens)));
            out.put("tokenizer.ggml.scores", GgufValue.float32s(scores));
            out.put("tokenizer.ggml.token_type", GgufValue.int32s(types));
        } else if (byteLevel) {
            List<String> merges = new ArrayList<>();
            for (JsonNode m : model.path("merges")) {
                merges.add(m.isArray() ? m.path(0).asText() + " " + m.path(1).asText() : m.asText());
            }
            out.put("tokenizer.ggml.model", GgufValue.string("gpt2"));
            out.put("tokenizer.ggml.pre", GgufValue.string(
                    root.path("pre_tokenizer").toString().contains(JSON.writeValueAsString(LLAMA3_SPLIT)
                            .replaceAll("^\"|\"$", "")) ? "llama-bpe" : "default"));
            out.put("tokenizer.ggml.tokens", GgufValue.strings(List.of(tokens)));
            out.put("tokenizer.ggml.token_type", GgufValue.int32s(types));
            out.put("tokenizer.ggml.merges", GgufValue.strings(merges));
        } else {
            throw new LongtuneException(file + ": the tokenizer is neither SentencePiece-style (byte fallback, ▁) "
                    + "nor byte-level BPE; Longtune cannot describe it in GGUF");
        }
        if (bos.isPresent()) {
            out.put("tokenizer.ggml.bos_token_id", GgufValue.uint32(bos.getAsInt()));
        }
        if (eos.isPresent()) {
            out.put("tokenizer.ggml.eos_token_id", GgufValue.uint32(eos.getAsInt()));
        }
        if (unk != null && ids.containsKey(unk)) {
            out.put("tokenizer.ggml.unknown_token_id", GgufValue.uint32(ids.get(unk)));
        }
        String pad = tokenText(tokConfig, "pad_token");
        if (pad != null && ids.containsKey(pad)) {
            out.put("tokenizer.ggml.padding_token_id", GgufValue.uint32(ids.get(pad)));
        }
        if (tokConfig != null && tokConfig.path("add_bos_token").isBoolean()) {
            out.put("tokenizer.ggml.add_bos_token", GgufValue.bool(tokConfig.path("add_bos_token").asBoolean()));
        }
        if (tokConfig != null && tokConfig.path("add_eos_token").isBoolean()) {
            out.put("tokenizer.ggml.add_eos_token", GgufValue.bool(tokConfig.path("add_eos_token").asBoolean()));
        }
        if (tokConfig != null && tokConfig.path("chat_template").isTextual()) {
            out.put("tokenizer.chat_template", GgufValue.string(tokConfig.path("chat_template").asText()));
        }
        return out;
    }

    private static void put(String[] tokens, int[] types, int id, String text, int type, Path file) {
        if (id < 0 || id >= tokens.length) {
            throw new LongtuneException(file + ": token '" + text + "' has id " + id + ", outside the model's "
                    + "vocab_size " + tokens.length + " — the tokenizer does not belong to this checkpoint");
        }
        tokens[id] = text;
        types[id] = type;
    }

    private static JsonNode readOptional(Path file) {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new LongtuneException("cannot parse " + file + ": " + e.getMessage(), e);
        }
    }

    private static String tokenText(JsonNode tokConfig, String key) {
        if (tokConfig == null) {
            return null;
        }
        JsonNode v = tokConfig.path(key);
        return v.isTextual() ? v.asText() : v.path("content").isTextual() ? v.path("content").asText() : null;
    }

    /**
     * Writes {@code tokenizer.json} and {@code tokenizer_config.json} into {@code dir} from the GGUF vocabulary of a
     * {@code llama} (SentencePiece) tokenizer.
     */
    static void writeHf(GgufReader gguf, Path dir) throws IOException {
        String kind = gguf.get("tokenizer.ggml.model").map(GgufValue::asString).orElse("(none)");
        if (!kind.equals("llama")) {
            throw new LongtuneException("GGUF file " + gguf.file() + " has a '" + kind + "' tokenizer, which Longtune "
                    + "cannot rebuild as tokenizer.json; pass the original tokenizer folder");
        }
        List<?> tokens = gguf.array("tokenizer.ggml.tokens");
        List<?> scoresList = gguf.array("tokenizer.ggml.scores");
        List<?> typesList = gguf.array("tokenizer.ggml.token_type");
        int n = tokens.size();
        if (scoresList.size() != n || typesList.size() != n) {
            throw GgufReader.corrupt(gguf.file(), "tokenizer.ggml.tokens, scores and token_type differ in length");
        }
        String[] text = new String[n];
        float[] scores = new float[n];
        int[] types = new int[n];
        Map<String, Integer> vocab = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            text[i] = (String) tokens.get(i);
            scores[i] = ((Number) scoresList.get(i)).floatValue();
            types[i] = (int) (long) (Long) typesList.get(i);
            vocab.putIfAbsent(text[i], i);
        }
        long unkId = gguf.get("tokenizer.ggml.unknown_token_id").map(GgufValue::asLong).orElse(-1L);
        long bosId = gguf.get("tokenizer.ggml.bos_token_id").map(GgufValue::asLong).orElse(-1L);
        long eosId = gguf.get("tokenizer.ggml.eos_token_id").map(GgufValue::asLong).orElse(-1L);
        boolean addBos = gguf.get("tokenizer.ggml.add_bos_token").map(v -> (Boolean) v.value()).orElse(true);
        boolean addEos = gguf.get("tokenizer.ggml.add_eos_token").map(v -> (Boolean) v.value()).orElse(false);

        ObjectNode root = JSON.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        for (int i = 0; i < n; i++) {
            if (types[i] == CONTROL || types[i] == UNKNOWN || types[i] == USER_DEFINED || i == unkId) {
                ObjectNode t = added.addObject();
                t.put("id", i);
                t.put("content", text[i]);
                t.put("single_word", false);
                t.put("lstrip", false);
                t.put("rstrip", false);
                t.put("normalized", false);
                t.put("special", types[i] != USER_DEFINED);
            }
        }
        ObjectNode normalizer = root.putObject("normalizer");
        normalizer.put("type", "Sequence");
        ArrayNode norms = normalizer.putArray("normalizers");
        norms.addObject().put("type", "Prepend").put("prepend", "\u2581");
        ObjectNode replace = norms.addObject().put("type", "Replace");
        replace.putObject("pattern").put("String", " ");
        replace.put("content", "\u2581");
        root.putNull("pre_tokenizer");
        String bosText = bosId >= 0 && bosId < n ? text[(int) bosId] : null;
        String eosText = eosId >= 0 && eosId < n ? text[(int) eosId] : null;
        root.set("post_processor", postProcessor(addBos ? bosText : null, addBos ? (int) bosId : -1,
                addEos ? eosText : null, addEos ? (int) eosId : -1));
        ObjectNode decoder = root.putObject("decoder");
        decoder.put("type", "Sequence");
        ArrayNode decs = decoder.putArray("decoders");
        ObjectNode dr = decs.addObject().put("type", "Replace");
        dr.putObject("pattern").put("String", "\u2581");
        dr.put("content", " ");
        decs.addObject().put("type", "ByteFallback");
        decs.addObject().put("type", "Fuse");
        decs.addObject().put("type", "Strip").put("content", " ").put("start", 1).put("stop", 0);
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        model.putNull("dropout");
        if (unkId >= 0 && unkId < n) {
            model.put("unk_token", text[(int) unkId]);
        } else {
            model.putNull("unk_token");
        }
        model.putNull("continuing_subword_prefix");
        model.putNull("end_of_word_suffix");
        model.put("fuse_unk", true);
        model.put("byte_fallback", true);
        model.put("ignore_merges", false);
        ObjectNode v = model.putObject("vocab");
        for (Map.Entry<String, Integer> e : vocab.entrySet()) {
            v.put(e.getKey(), e.getValue());
        }
        ArrayNode merges = model.putArray("merges");
        for (String[] m : merges(text, scores, vocab)) {
            merges.add(m[0] + " " + m[1]);
        }
        Files.createDirectories(dir);
        PRETTY.writeValue(dir.resolve("tokenizer.json").toFile(), root);

        ObjectNode tc = JSON.createObjectNode();
        tc.put("tokenizer_class", "LlamaTokenizerFast");
        if (bosText != null) {
            tc.put("bos_token", bosText);
        }
        if (eosText != null) {
            tc.put("eos_token", eosText);
        }
        if (unkId >= 0 && unkId < n) {
            tc.put("unk_token", text[(int) unkId]);
        }
        gguf.get("tokenizer.ggml.padding_token_id").map(GgufValue::asLong)
                .filter(p -> p >= 0 && p < n).ifPresent(p -> tc.put("pad_token", text[(int) (long) p]));
        tc.put("add_bos_token", addBos);
        tc.put("add_eos_token", addEos);
        tc.put("legacy", true);
        gguf.get("tokenizer.chat_template").filter(x -> x.type() == GgufType.STRING)
                .ifPresent(x -> tc.put("chat_template", x.asString()));
        PRETTY.writeValue(dir.resolve("tokenizer_config.json").toFile(), tc);
    }

    private static ObjectNode postProcessor(String bos, int bosId, String eos, int eosId) {
        ObjectNode pp = JSON.createObjectNode();
        pp.put("type", "TemplateProcessing");
        ArrayNode single = pp.putArray("single");
        ArrayNode pair = pp.putArray("pair");
        for (int part = 0; part < 2; part++) {
            ArrayNode target = part == 0 ? single : pair;
            for (int seq = 0; seq <= part; seq++) {
                if (bos != null) {
                    target.addObject().putObject("SpecialToken").put("id", bos).put("type_id", seq);
                }
                target.addObject().putObject("Sequence").put("id", seq == 0 ? "A" : "B").put("type_id", seq);
                if (eos != null) {
                    target.addObject().putObject("SpecialToken").put("id", eos).put("type_id", seq);
                }
            }
        }
        ObjectNode specials = pp.putObject("special_tokens");
        if (bos != null) {
            ObjectNode s = specials.putObject(bos).put("id", bos);
            s.putArray("ids").add(bosId);
            s.putArray("tokens").add(bos);
        }
        if (eos != null && !eos.equals(bos)) {
            ObjectNode s = specials.putObject(eos).put("id", eos);
            s.putArray("ids").add(eosId);
            s.putArray("tokens").add(eos);
        }
        return pp;
    }

    /**
     * BPE merges from SentencePiece scores, as transformers' {@code SentencePieceExtractor}: every split of a piece
     * into two pieces of the vocabulary, ordered by the piece's score (highest first, stable), and within a piece
     * by the ids of its left and right parts.
     */
    static List<String[]> merges(String[] text, float[] scores, Map<String, Integer> vocab) {
        record Merge(String left, String right, float score, int leftId, int rightId) {}
        List<Merge> all = new ArrayList<>();
        for (Map.Entry<String, Integer> e : vocab.entrySet()) {
            String piece = e.getKey();
            List<Merge> local = new ArrayList<>();
            int[] cps = piece.codePoints().toArray();
            for (int k = 1; k < cps.length; k++) {
                String l = new String(cps, 0, k);
                String r = new String(cps, k, cps.length - k);
                Integer li = vocab.get(l);
                Integer ri = vocab.get(r);
                if (li != null && ri != null) {
                    local.add(new Merge(l, r, scores[e.getValue()], li, ri));
                }
            }
            local.sort(Comparator.comparingInt(Merge::leftId).thenComparingInt(Merge::rightId));
            all.addAll(local);
        }
        all.sort((a, b) -> Float.compare(b.score(), a.score()));
        List<String[]> out = new ArrayList<>(all.size());
        for (Merge m : all) {
            out.add(new String[] {m.left(), m.right()});
        }
        return out;
    }
}
