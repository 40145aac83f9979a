package dev.longtune.training.moe;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longtune.api.LanguageModel;
import dev.longtune.api.ModelLoadRequest;
import dev.longtune.api.NoOptions;
import dev.longtune.conformance.Fixtures;
import dev.longtune.models.mixtral.MixtralArchitecture;
import dev.longtune.training.checkpoint.TensorFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * A random Mixtral checkpoint in Hugging Face layout (as plugins-models' {@code MixtralTest} builds one): 2 layers,
 * hidden 32, 4 experts, top-2, {@code router_aux_loss_coef} {@link #COEF}, vocabulary and tokenizer of stories260K.
 * The weights are written with plugins-training's {@link TensorFile} and loaded by plugins-models' safetensors reader.
 */
public final class TinyMixtral {

    public static final double COEF = 0.02;
    public static final int EXPERTS = 4;
    private static final ObjectMapper JSON = new ObjectMapper();

    private TinyMixtral() {}

    public static Path write(Path dir, long seed) throws IOException {
        int hidden = 32;
        int inter = 48;
        int layers = 2;
        int heads = 4;
        int kv = 2;
        int vocab = 512;
        int hd = hidden / heads;
        ObjectNode c = JSON.createObjectNode();
        c.putArray("architectures").add("MixtralForCausalLM");
        c.put("model_type", "mixtral");
        c.put("hidden_size", hidden);
        c.put("intermediate_size", inter);
        c.put("num_hidden_layers", layers);
        c.put("num_attention_heads", heads);
        c.put("num_key_value_heads", kv);
        c.put("vocab_size", vocab);
        c.put("max_position_embeddings", 512);
        c.put("rms_norm_eps", 1e-5);
        c.put("rope_theta", 1e6);
        c.put("hidden_act", "silu");
        c.put("tie_word_embeddings", false);
        c.put("bos_token_id", 1);
        c.put("eos_token_id", 2);
        c.putNull("sliding_window");
        c.put("num_local_experts", EXPERTS);
        c.put("num_experts_per_tok", 2);
        c.put("router_aux_loss_coef", COEF);
        Random r = new Random(seed);
        Map<String, long[]> shapes = new LinkedHashMap<>();
        Map<String, float[]> values = new LinkedHashMap<>();
        put(shapes, values, r, "model.embed_tokens.weight", 1.0, 0, vocab, hidden);
        for (int i = 0; i < layers; i++) {
            String p = "model.layers." + i + ".";
            put(shapes, values, r, p + "input_layernorm.weight", 0.2, 1, hidden);
            linear(shapes, values, r, p + "self_attn.q_proj.weight", heads * hd, hidden);
            linear(shapes, values, r, p + "self_attn.k_proj.weight", kv * hd, hidden);
            linear(shapes, values, r, p + "self_attn.v_proj.weight", kv * hd, hidden);
            linear(shapes, values, r, p + "self_attn.o_proj.weight", hidden, heads * hd);
            put(shapes, values, r, p + "post_attention_layernorm.weight", 0.2, 1, hidden);
            put(shapes, values, r, p + "block_sparse_moe.gate.weight", 0.5, 0, EXPERTS, hidden);
            for (int e = 0; e < EXPERTS; e++) {
                String x = p + "block_sparse_moe.experts." + e + ".";
                linear(shapes, values, r, x + "w1.weight", inter, hidden);
                linear(shapes, values, r, x + "w2.weight", hidden, inter);
                linear(shapes, values, r, x + "w3.weight", inter, hidden);
            }
        }
        put(shapes, values, r, "model.norm.weight", 0.2, 1, hidden);
        linear(shapes, values, r, "lm_head.weight", vocab, hidden);
        Files.createDirectories(dir);
        JSON.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("config.json").toFile(), c);
        TensorFile.write(dir.resolve("model.safetensors"), shapes, values::get, Map.of("format", "pt"));
        Files.copy(Fixtures.stories260K().resolve("tokenizer.json"), dir.resolve("tokenizer.json"),
                StandardCopyOption.REPLACE_EXISTING);
        return dir;
    }

    public static LanguageModel load(Path dir, NDManager parent) throws IOException {
        ObjectNode config = (ObjectNode) JSON.readTree(dir.resolve("config.json").toFile());
        return new MixtralArchitecture().load(new NoOptions(),
                new ModelLoadRequest(dir, config, null, DataType.FLOAT32, Device.cpu(), parent));
    }

    private static void linear(Map<String, long[]> shapes, Map<String, float[]> values, Random r, String name,
            int out, int in) {
        put(shapes, values, r, name, 1.0 / Math.sqrt(in), 0, out, in);
    }

    private static void put(Map<String, long[]> shapes, Map<String, float[]> values, Random r, String name,
            double std, double mean, long... shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        float[] w = new float[Math.toIntExact(n)];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (mean + std * r.nextGaussian());
        }
        shapes.put(name, shape);
        values.put(name, w);
    }
}
