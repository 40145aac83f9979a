package dev.longtune.models.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.longtune.api.ContextExtension;
import dev.longtune.api.LongtuneException;
import dev.longtune.api.ModelConfig;
import dev.longtune.api.ModelLoadRequest;
import dev.longtune.api.RopeParameters;
import dev.longtune.api.RopeScaling;
import dev.longtune.models.io.SafetensorsReader;
import dev.longtune.models.tokenizer.HfTextTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Loads a Hugging Face Llama folder: {@code config.json}, {@code model.safetensors} or the shards listed in
 * {@code model.safetensors.index.json}, and {@code tokenizer.json}. Every tensor's shape is checked against
 * {@code config.json} and the tokenizer against {@code vocab_size}; mistakes are reported as
 * {@link LongtuneException}s naming the file and tensor.
 */
final class LlamaCheckpoint {

    private static final ObjectMapper JSON = new ObjectMapper();

    private LlamaCheckpoint() {}

    static LlamaModel load(ModelLoadRequest request) throws IOException {
        return load(request, DecoderSpec::llama);
    }

    /** Loads the family {@code parser} describes (spec A.0 plus the family's {@link DecoderSpec}). */
    static LlamaModel load(ModelLoadRequest request, DecoderSpec.Parser parser) throws IOException {
        Path dir = request.directory();
        if (!Files.isDirectory(dir)) {
            throw new LongtuneException("model folder " + dir + " does not exist");
        }
        Path configFile = dir.resolve("config.json");
        if (!Files.isRegularFile(configFile)) {
            throw new LongtuneException("config.json is missing from model folder " + dir);
        }
        LlamaConfig config = LlamaConfig.parseCommon(request.hfConfig(), configFile);
        DecoderSpec spec = parser.parse(request.hfConfig(), config, configFile);
        DataType dtype = request.dtype();
        if (dtype != DataType.FLOAT32 && dtype != DataType.FLOAT16) {
            throw new LongtuneException("the " + spec.architecture() + " architecture computes in FLOAT32 or "
                    + "FLOAT16, not " + dtype);
        }
        HfTextTokenizer tokenizer = HfTextTokenizer.load(dir, request.hfConfig());
        NDManager root = null;
        try {
            if (tokenizer.vocabSize() > config.vocabSize()) {
                throw new LongtuneException(dir.resolve("tokenizer.json") + " has " + tokenizer.vocabSize()
                        + " tokens but config.json vocab_size is " + config.vocabSize()
                        + " — the tokenizer does not belong to this checkpoint");
            }
            root = request.parentManager().newSubManager(request.device());
            NDManager params = root.newSubManager();
            NDManager buffers = root.newSubManager();
            Map<String, NDArray> parameters = readParameters(dir, expectedShapes(config, spec), dtype, params);

            ContextExtension ext = request.contextExtension();
            RopeParameters rope = new RopeParameters(config.headDim(), config.ropeTheta(),
                    config.maxPositionEmbeddings());
            if (ext == null) {
                requireDefaultRope(request.hfConfig(), configFile);
            }
            RopeScaling scaling = ext != null ? ext.ropeScaling(rope) : RopeScaling.none(rope);
            int maxPositions = ext != null ? ext.extendedMaxPositions(config.maxPositionEmbeddings())
                    : config.maxPositionEmbeddings();
            ModelConfig modelConfig = new ModelConfig(config.modelType(), config.vocabSize(), config.hiddenSize(),
                    config.numLayers(), config.numHeads(), config.numKvHeads(), config.headDim(), maxPositions,
                    config.ropeTheta(), tokenizer.bosId().orElse(config.bosTokenId()),
                    tokenizer.eosId().orElse(config.eosTokenId()), request.hfConfig());
            // Tables are built for the context the model will run at; longer sequences grow them on demand.
            RotaryTables tables = new RotaryTables(scaling, config.headDim(), Math.min(maxPositions, 8192), dtype,
                    buffers);

            List<LlamaLayer> layers = new ArrayList<>();
            for (int i = 0; i < config.numLayers(); i++) {
                String p = "model.layers." + i + ".";
                layers.add(new LlamaLayer(
                        parameters.get(p + "input_layernorm.weight"),
                        parameters.get(p + "self_attn.q_proj.weight"), parameters.get(p + "self_attn.q_proj.bias"),
                        parameters.get(p + "self_attn.k_proj.weight"), parameters.get(p + "self_attn.k_proj.bias"),
                        parameters.get(p + "self_attn.v_proj.weight"), parameters.get(p + "self_attn.v_proj.bias"),
                        parameters.get(p + "self_attn.o_proj.weight"), parameters.get(p + "self_attn.o_proj.bias"),
                        parameters.get(p + "post_attention_layernorm.weight"),
                        parameters.get(p + "mlp.gate_proj.weight"), parameters.get(p + "mlp.gate_proj.bias"),
                        // null for a mixture of experts (the model reads block_sparse_moe.* by name)
                        parameters.get(p + "mlp.up_proj.weight"), parameters.get(p + "mlp.up_proj.bias"),
                        parameters.get(p + "mlp.down_proj.weight"), parameters.get(p + "mlp.down_proj.bias")));
            }
            NDArray embed = parameters.get("model.embed_tokens.weight");
            NDArray lmHead = config.tieWordEmbeddings() ? embed : parameters.get("lm_head.weight");
            return new LlamaModel(config, modelConfig, request.hfConfig().deepCopy(), tokenizer, root, params,
                    buffers, parameters, embed, layers, parameters.get("model.norm.weight"), lmHead, tables, ext,
                    rope, dtype, dir, spec);
        } catch (RuntimeException | IOException | Error e) {
            tokenizer.close();
            if (root != null) {
                root.close();
            }
            throw e;
        }
    }

    /**
     * Without a context extension only the plain rotary embedding is built in: a non-default {@code rope_scaling}
     * (or the newest transformers' {@code rope_parameters}) in config.json must come in as the extension the host
     * resolves from it through the context-extension registry; ignoring it would silently change the model.
     */
    static void requireDefaultRope(com.fasterxml.jackson.databind.node.ObjectNode raw, Path file) {
        for (String key : new String[] {"rope_scaling", "rope_parameters"}) {
            JsonNode rs = raw.get(key);
            if (rs == null || rs.isNull()) {
                continue;
            }
            String type = rs.hasNonNull("rope_type") ? rs.get("rope_type").asText()
                    : rs.hasNonNull("type") ? rs.get("type").asText() : key.equals("rope_parameters") ? "default"
                    : "(no rope_type)";
            if (!type.equals("default")) {
                throw new LongtuneException(file + ": " + key + " type '" + type + "' must be resolved through a "
                        + "context extension, and none was given. The Longtune host does this from config.json "
                        + "(context-extension registry); in code, pass the extension as "
                        + "ModelLoadRequest.contextExtension");
            }
        }
    }

    /** Expected HF names and shapes, in model order (embedding, layers, final norm, head). */
    static Map<String, long[]> expectedShapes(LlamaConfig c) {
        return expectedShapes(c, DecoderSpec.base("llama", c).build());
    }

    /** Expected HF names and shapes of the family {@code s}, in model order. */
    static Map<String, long[]> expectedShapes(LlamaConfig c, DecoderSpec s) {
        Map<String, long[]> m = new LinkedHashMap<>();
        long h = c.hiddenSize();
        long q = (long) c.numHeads() * c.headDim();
        long kv = (long) c.numKvHeads() * c.headDim();
        long inter = c.intermediateSize();
        m.put("model.embed_tokens.weight", new long[] {c.vocabSize(), h});
        for (int i = 0; i < c.numLayers(); i++) {
            String p = "model.layers." + i + ".";
            m.put(p + "input_layernorm.weight", new long[] {h});
            m.put(p + "self_attn.q_proj.weight", new long[] {q, h});
            if (s.qkvBias()) {
                m.put(p + "self_attn.q_proj.bias", new long[] {q});
            }
            m.put(p + "self_attn.k_proj.weight", new long[] {kv, h});
            if (s.qkvBias()) {
                m.put(p + "self_attn.k_proj.bias", new long[] {kv});
            }
            m.put(p + "self_attn.v_proj.weight", new long[] {kv, h});
            if (s.qkvBias()) {
                m.put(p + "self_attn.v_proj.bias", new long[] {kv});
            }
            m.put(p + "self_attn.o_proj.weight", new long[] {h, q});
            if (s.oBias()) {
                m.put(p + "self_attn.o_proj.bias", new long[] {h});
            }
            m.put(p + "post_attention_layernorm.weight", new long[] {h});
            if (s.sandwichNorms()) {
                m.put(p + "pre_feedforward_layernorm.weight", new long[] {h});
                m.put(p + "post_feedforward_layernorm.weight", new long[] {h});
            }
            if (s.moe()) {
                String e = p + "block_sparse_moe.";
                m.put(e + "gate.weight", new long[] {s.numExperts(), h});
                for (int x = 0; x < s.numExperts(); x++) {
                    m.put(e + "experts." + x + ".w1.weight", new long[] {inter, h});
                    m.put(e + "experts." + x + ".w2.weight", new long[] {h, inter});
                    m.put(e + "experts." + x + ".w3.weight", new long[] {inter, h});
                }
                continue;
            }
            m.put(p + "mlp.gate_proj.weight", new long[] {inter, h});
            if (s.mlpBias()) {
                m.put(p + "mlp.gate_proj.bias", new long[] {inter});
            }
            m.put(p + "mlp.up_proj.weight", new long[] {inter, h});
            if (s.mlpBias()) {
                m.put(p + "mlp.up_proj.bias", new long[] {inter});
            }
            m.put(p + "mlp.down_proj.weight", new long[] {h, inter});
            if (s.mlpBias()) {
                m.put(p + "mlp.down_proj.bias", new long[] {h});
            }
        }
        m.put("model.norm.weight", new long[] {h});
        if (!c.tieWordEmbeddings()) {
            m.put("lm_head.weight", new long[] {c.vocabSize(), h});
        }
        return m;
    }

    private static Map<String, NDArray> readParameters(Path dir, Map<String, long[]> expected, DataType dtype,
            NDManager manager) throws IOException {
        Map<String, Path> location = tensorFiles(dir);
        Map<Path, SafetensorsReader> readers = new HashMap<>();
        Map<String, NDArray> out = new LinkedHashMap<>();
        try {
            // Validate every name and shape before reading any data, so a bad checkpoint fails fast.
            for (Map.Entry<String, long[]> e : expected.entrySet()) {
                Path file = location.get(e.getKey());
                if (file == null) {
                    throw new LongtuneException("tensor '" + e.getKey() + "' is missing from the checkpoint in "
                            + dir + (e.getKey().equals("lm_head.weight")
                                    ? " (config.json says tie_word_embeddings is false)" : ""));
                }
                SafetensorsReader r = readers.get(file);
                if (r == null) {
                    r = SafetensorsReader.open(file);
                    readers.put(file, r);
                }
                if (!r.contains(e.getKey())) {
                    throw new LongtuneException("tensor '" + e.getKey() + "' is missing from " + file);
                }
                long[] actual = r.info(e.getKey()).shape();
                if (!Arrays.equals(actual, e.getValue())) {
                    throw new LongtuneException("tensor '" + e.getKey() + "' in " + file + " has shape "
                            + Arrays.toString(actual) + " but config.json implies " + Arrays.toString(e.getValue())
                            + " — config.json and the weights disagree");
                }
            }
            for (String name : expected.keySet()) {
                NDArray a = readers.get(location.get(name)).read(name, manager, dtype);
                a.setName(name);
                out.put(name, a);
            }
            return out;
        } catch (RuntimeException | IOException e) {
            out.values().forEach(NDArray::close);
            throw e;
        } finally {
            for (SafetensorsReader r : readers.values()) {
                r.close();
            }
        }
    }

    /** Tensor name → file, from the shard index when there is one, else the single model.safetensors. */
    private static Map<String, Path> tensorFiles(Path dir) throws IOException {
        Path index = dir.resolve("model.safetensors.index.json");
        Map<String, Path> out = new HashMap<>();
        if (Files.isRegularFile(index)) {
            JsonNode map = JSON.readTree(index.toFile()).path("weight_map");
            if (!map.isObject()) {
                throw new LongtuneException(index + " has no weight_map object");
            }
            for (Map.Entry<String, JsonNode> e : map.properties()) {
                Path shard = dir.resolve(e.getValue().asText());
                if (!Files.isRegularFile(shard)) {
                    throw new LongtuneException("shard " + shard + " listed in " + index + " for tensor '"
                            + e.getKey() + "' does not exist");
                }
                out.put(e.getKey(), shard);
            }
            return out;
        }
        Path single = dir.resolve("model.safetensors");
        if (!Files.isRegularFile(single)) {
            throw new LongtuneException("model folder " + dir + " has neither model.safetensors nor "
                    + "model.safetensors.index.json");
        }
        try (SafetensorsReader r = SafetensorsReader.open(single)) {
            for (String name : r.tensors().keySet()) {
                out.put(name, single);
            }
        }
        return out;
    }
}
