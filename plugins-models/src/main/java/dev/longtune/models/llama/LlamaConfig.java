package dev.longtune.models.llama;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longtune.api.LongtuneException;
import java.nio.file.Path;

/**
 * The Llama hyper-parameters of a {@code config.json}, with transformers' {@code LlamaConfig} defaults for the
 * optional keys.
 */
public record LlamaConfig(
        String modelType,
        int hiddenSize,
        int intermediateSize,
        int numLayers,
        int numHeads,
        int numKvHeads,
        int headDim,
        int vocabSize,
        int maxPositionEmbeddings,
        double rmsNormEps,
        double ropeTheta,
        boolean tieWordEmbeddings,
        boolean attentionBias,
        boolean mlpBias,
        int bosTokenId,
        int eosTokenId) {

    /** Parses {@code raw} as a Llama config (only {@code hidden_act: silu}); {@code file} is for error messages. */
    public static LlamaConfig parse(ObjectNode raw, Path file) {
        LlamaConfig c = parseCommon(raw, file);
        String act = raw.path("hidden_act").asText("silu");
        if (!act.equals("silu")) {
            throw new LongtuneException(file + ": hidden_act '" + act + "' is not supported by the llama "
                    + "architecture (only silu)");
        }
        return c;
    }

    /**
     * The keys every decoder family of {@link DecoderSpec} shares (A.0), without the activation check: families
     * read their own activation keys.
     */
    public static LlamaConfig parseCommon(ObjectNode raw, Path file) {
        int hidden = required(raw, "hidden_size", file);
        int heads = required(raw, "num_attention_heads", file);
        int kvHeads = optionalInt(raw, "num_key_value_heads", heads);
        int headDim = optionalInt(raw, "head_dim", heads > 0 ? hidden / heads : 0);
        LlamaConfig c = new LlamaConfig(
                raw.path("model_type").asText("llama"),
                hidden,
                required(raw, "intermediate_size", file),
                required(raw, "num_hidden_layers", file),
                heads,
                kvHeads,
                headDim,
                required(raw, "vocab_size", file),
                optionalInt(raw, "max_position_embeddings", 2048),
                raw.path("rms_norm_eps").asDouble(1e-6),
                // Newest transformers nest it in rope_parameters.
                raw.path("rope_theta").asDouble(raw.path("rope_parameters").path("rope_theta").asDouble(10000.0)),
                raw.path("tie_word_embeddings").asBoolean(false),
                raw.path("attention_bias").asBoolean(false),
                raw.path("mlp_bias").asBoolean(false),
                firstInt(raw.get("bos_token_id"), 1),
                firstInt(raw.get("eos_token_id"), 2));
        if (heads <= 0 || kvHeads <= 0 || heads % kvHeads != 0) {
            throw new LongtuneException(file + ": num_attention_heads (" + heads
                    + ") must be a positive multiple of num_key_value_heads (" + kvHeads + ")");
        }
        if (headDim <= 0 || headDim % 2 != 0) {
            throw new LongtuneException(file + ": head_dim must be a positive even number, was " + headDim);
        }
        return c;
    }

    private static int required(ObjectNode raw, String key, Path file) {
        JsonNode n = raw.get(key);
        if (n == null || !n.canConvertToInt() || n.asInt() <= 0) {
            throw new LongtuneException(file + ": required key '" + key + "' is missing or not a positive integer");
        }
        return n.asInt();
    }

    private static int optionalInt(ObjectNode raw, String key, int dflt) {
        JsonNode n = raw.get(key);
        return n == null || n.isNull() ? dflt : n.asInt();
    }

    private static int firstInt(JsonNode n, int dflt) {
        if (n == null || n.isNull()) {
            return dflt;
        }
        if (n.isArray()) {
            return n.size() == 0 ? dflt : n.get(0).asInt(dflt);
        }
        return n.asInt(dflt);
    }
}
