package dev.longtune.models.oracle;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longtune.conformance.Fixtures;
import dev.longtune.models.io.SafetensorsWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * A random-initialised checkpoint in Hugging Face layout, written by the test: {@code config.json} (editable through
 * {@link #config()}), {@code model.safetensors} (F32, via {@link SafetensorsWriter}) and stories260K's
 * {@code tokenizer.json} (512 tokens; Jlama needs a tokenizer file, its vocabulary need not match).
 *
 * <p>{@link #llama} builds the A.0 decoder; other families adjust it: Qwen2 {@code model_type qwen2} plus
 * {@link #putLinearBias q/k/v biases}; Gemma 1 ties the head and sets {@code hidden_act}; Mistral sets
 * {@code model_type mistral} and no (or a long) {@code sliding_window}.
 */
public final class HfTestCheckpoint {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final ObjectNode config = JSON.createObjectNode();
    private final Map<String, float[]> weights = new LinkedHashMap<>();
    private final Map<String, long[]> shapes = new LinkedHashMap<>();
    private final Random random;

    public HfTestCheckpoint(long seed) {
        this.random = new Random(seed);
    }

    /**
     * A Llama checkpoint: linear weights ~ N(0, 1/fan_in), embeddings ~ N(0, 1), norm weights ~ 1 + N(0, 0.2²),
     * {@code rope_theta} 1e4, eps 1e-5, {@code max_position_embeddings} {@code maxPositions}.
     */
    public static HfTestCheckpoint llama(int hidden, int intermediate, int layers, int heads, int kvHeads, int vocab,
            int maxPositions, boolean tied, long seed) {
        return decoder("llama", hidden, intermediate, layers, heads, kvHeads, hidden / heads, vocab, maxPositions,
                tied, 1.0, seed);
    }

    /**
     * The A.0 decoder of another family: {@code model_type} {@code modelType}, an explicit {@code head_dim}, norm
     * weights ~ {@code normMean} + N(0, 0.2²) (Gemma stores w with an effective scale 1 + w: pass 0).
     */
    public static HfTestCheckpoint decoder(String modelType, int hidden, int intermediate, int layers, int heads,
            int kvHeads, int hd, int vocab, int maxPositions, boolean tied, double normMean, long seed) {
        HfTestCheckpoint ck = new HfTestCheckpoint(seed);
        ObjectNode c = ck.config;
        c.putArray("architectures").add(ARCHITECTURES.getOrDefault(modelType, "LlamaForCausalLM"));
        c.put("model_type", modelType);
        c.put("hidden_size", hidden);
        c.put("intermediate_size", intermediate);
        c.put("num_hidden_layers", layers);
        c.put("num_attention_heads", heads);
        c.put("num_key_value_heads", kvHeads);
        if (hd != hidden / heads) {
            c.put("head_dim", hd);
        }
        c.put("vocab_size", vocab);
        c.put("max_position_embeddings", maxPositions);
        c.put("rms_norm_eps", 1e-5);
        c.put("rope_theta", 10000.0);
        c.put("hidden_act", "silu");
        c.put("tie_word_embeddings", tied);
        c.put("bos_token_id", 1);
        c.put("eos_token_id", 2);
        ck.put("model.embed_tokens.weight", 1.0, 0, vocab, hidden);
        for (int i = 0; i < layers; i++) {
            String p = "model.layers." + i + ".";
            ck.put(p + "input_layernorm.weight", 0.2, normMean, hidden);
            ck.putLinear(p + "self_attn.q_proj.weight", heads * hd, hidden);
            ck.putLinear(p + "self_attn.k_proj.weight", kvHeads * hd, hidden);
            ck.putLinear(p + "self_attn.v_proj.weight", kvHeads * hd, hidden);
            ck.putLinear(p + "self_attn.o_proj.weight", hidden, heads * hd);
            ck.put(p + "post_attention_layernorm.weight", 0.2, normMean, hidden);
            ck.putLinear(p + "mlp.gate_proj.weight", intermediate, hidden);
            ck.putLinear(p + "mlp.up_proj.weight", intermediate, hidden);
            ck.putLinear(p + "mlp.down_proj.weight", hidden, intermediate);
        }
        ck.put("model.norm.weight", 0.2, normMean, hidden);
        if (!tied) {
            ck.putLinear("lm_head.weight", vocab, hidden);
        }
        return ck;
    }

    private static final Map<String, String> ARCHITECTURES = Map.of("llama", "LlamaForCausalLM", "mistral",
            "MistralForCausalLM", "qwen2", "Qwen2ForCausalLM", "gemma", "GemmaForCausalLM", "gemma2",
            "Gemma2ForCausalLM", "mixtral", "MixtralForCausalLM");

    /** The shape of tensor {@code name}. */
    public long[] shape(String name) {
        return shapes.get(name).clone();
    }

    /** The config.json that {@link #write} will write; edit it freely. */
    public ObjectNode config() {
        return config;
    }

    /** Tensor name → values (row-major), in insertion order; edit or replace freely. */
    public Map<String, float[]> weights() {
        return weights;
    }

    /** Adds (or replaces) a tensor with elements {@code mean + std·N(0,1)}. */
    public HfTestCheckpoint put(String name, double std, double mean, long... shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        float[] w = new float[Math.toIntExact(n)];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (mean + std * random.nextGaussian());
        }
        weights.put(name, w);
        shapes.put(name, shape.clone());
        return this;
    }

    /** A {@code [out, in]} linear weight ~ N(0, 1/in). */
    public HfTestCheckpoint putLinear(String name, long out, long in) {
        return put(name, 1.0 / Math.sqrt(in), 0, out, in);
    }

    /** A bias of {@code out} elements ~ N(0, 0.1²) (e.g. Qwen2's {@code q_proj.bias}). */
    public HfTestCheckpoint putLinearBias(String name, long out) {
        return put(name, 0.1, 0, out);
    }

    public HfTestCheckpoint remove(String name) {
        weights.remove(name);
        shapes.remove(name);
        return this;
    }

    /** Writes config.json, model.safetensors and stories260K's tokenizer.json into {@code dir}; returns it. */
    public Path write(Path dir, NDManager manager) throws IOException {
        Files.createDirectories(dir);
        JSON.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("config.json").toFile(), config);
        try (NDManager m = manager.newSubManager()) {
            Map<String, NDArray> arrays = new LinkedHashMap<>();
            for (Map.Entry<String, float[]> e : weights.entrySet()) {
                arrays.put(e.getKey(), m.create(e.getValue(), new Shape(shapes.get(e.getKey()))));
            }
            SafetensorsWriter.write(dir.resolve("model.safetensors"), arrays);
        }
        Files.copy(Fixtures.stories260K().resolve("tokenizer.json"), dir.resolve("tokenizer.json"),
                StandardCopyOption.REPLACE_EXISTING);
        return dir;
    }
}
