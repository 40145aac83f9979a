package dev.longtune.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longtune.conformance.Fixtures;
import dev.longtune.models.io.SafetensorsWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * A small random Llama checkpoint in HF layout, written by the test itself (weights kept as Java floats for the
 * reference implementation). Vocabulary 512 so stories260K's tokenizer can be reused.
 */
public final class RandomCheckpoint {

    public final int hidden;
    public final int intermediate;
    public final int layers;
    public final int heads;
    public final int kvHeads;
    public final int headDim;
    public final int vocab = 512;
    public final int maxPositions;
    public final double eps = 1e-5;
    public final double theta = 10000.0;
    public final boolean tied;
    public final Map<String, float[]> weights = new LinkedHashMap<>();
    public final Map<String, long[]> shapes = new LinkedHashMap<>();

    public RandomCheckpoint(int hidden, int intermediate, int layers, int heads, int kvHeads, int maxPositions,
            boolean tied, long seed) {
        this.hidden = hidden;
        this.intermediate = intermediate;
        this.layers = layers;
        this.heads = heads;
        this.kvHeads = kvHeads;
        this.headDim = hidden / heads;
        this.maxPositions = maxPositions;
        this.tied = tied;
        Random r = new Random(seed);
        put("model.embed_tokens.weight", r, 1.0, 0, vocab, hidden);
        for (int i = 0; i < layers; i++) {
            String p = "model.layers." + i + ".";
            put(p + "input_layernorm.weight", r, 0.2, 1.0, hidden);
            put(p + "self_attn.q_proj.weight", r, 0.3, 0, heads * headDim, hidden);
            put(p + "self_attn.k_proj.weight", r, 0.3, 0, kvHeads * headDim, hidden);
            put(p + "self_attn.v_proj.weight", r, 0.3, 0, kvHeads * headDim, hidden);
            put(p + "self_attn.o_proj.weight", r, 0.3, 0, hidden, heads * headDim);
            put(p + "post_attention_layernorm.weight", r, 0.2, 1.0, hidden);
            put(p + "mlp.gate_proj.weight", r, 0.3, 0, intermediate, hidden);
            put(p + "mlp.up_proj.weight", r, 0.3, 0, intermediate, hidden);
            put(p + "mlp.down_proj.weight", r, 0.3, 0, hidden, intermediate);
        }
        put("model.norm.weight", r, 0.2, 1.0, hidden);
        if (!tied) {
            put("lm_head.weight", r, 0.3, 0, vocab, hidden);
        }
    }

    /**
     * stories260K's real weights as Java floats (same dimensions: hidden 64, intermediate 172, 5 layers, 8 heads, 4
     * KV heads, tied), for the plain-Java reference.
     */
    public static RandomCheckpoint stories260K(NDManager manager) throws IOException {
        RandomCheckpoint ck = new RandomCheckpoint(64, 172, 5, 8, 4, 512, true, 0L);
        try (NDManager m = manager.newSubManager();
                dev.longtune.models.io.SafetensorsReader r = dev.longtune.models.io.SafetensorsReader.open(
                        Fixtures.stories260K().resolve("model.safetensors"))) {
            for (String name : ck.weights.keySet()) {
                NDArray a = r.read(name, m, ai.djl.ndarray.types.DataType.FLOAT32);
                if (!java.util.Arrays.equals(a.getShape().getShape(), ck.shapes.get(name))) {
                    throw new IllegalStateException(name + " has shape " + a.getShape());
                }
                ck.weights.put(name, a.toFloatArray());
            }
        }
        return ck;
    }

    private void put(String name, Random r, double std, double mean, long... shape) {
        int n = 1;
        for (long d : shape) {
            n *= (int) d;
        }
        float[] w = new float[n];
        for (int i = 0; i < n; i++) {
            w[i] = (float) (mean + std * r.nextGaussian());
        }
        weights.put(name, w);
        shapes.put(name, shape);
    }

    public ObjectNode configJson() {
        ObjectNode c = TestModels.JSON.createObjectNode();
        c.putArray("architectures").add("LlamaForCausalLM");
        c.put("model_type", "llama");
        c.put("hidden_size", hidden);
        c.put("intermediate_size", intermediate);
        c.put("num_hidden_layers", layers);
        c.put("num_attention_heads", heads);
        c.put("num_key_value_heads", kvHeads);
        c.put("vocab_size", vocab);
        c.put("max_position_embeddings", maxPositions);
        c.put("rms_norm_eps", eps);
        c.put("rope_theta", theta);
        c.put("hidden_act", "silu");
        c.put("tie_word_embeddings", tied);
        c.put("bos_token_id", 1);
        c.put("eos_token_id", 2);
        c.put("some_unknown_key", "kept on save");
        return c;
    }

    /** Writes config.json, model.safetensors (via our writer) and stories260K's tokenizer files into {@code dir}. */
    public Path write(Path dir, NDManager manager) throws IOException {
        Files.createDirectories(dir);
        TestModels.JSON.writeValue(dir.resolve("config.json").toFile(), configJson());
        try (NDManager m = manager.newSubManager()) {
            Map<String, NDArray> arrays = new LinkedHashMap<>();
            for (Map.Entry<String, float[]> e : weights.entrySet()) {
                arrays.put(e.getKey(), m.create(e.getValue(), new Shape(shapes.get(e.getKey()))));
            }
            SafetensorsWriter.write(dir.resolve("model.safetensors"), arrays);
        }
        Path stories = Fixtures.stories260K();
        Files.copy(stories.resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
        Files.copy(stories.resolve("tokenizer_config.json"), dir.resolve("tokenizer_config.json"));
        return dir;
    }
}
