package dev.longtune.models.gguf;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longtune.api.LongtuneException;
import dev.longtune.models.io.HfCheckpointWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Turns a {@code llama}-architecture GGUF file (F32 or F16 tensors; Llama and Mistral models) into a Hugging Face
 * folder that Longtune's Llama loader reads: {@code config.json} from the {@code llama.*} metadata,
 * {@code model.safetensors} (F32) with q/k rows permuted back from GGML's interleaved RoPE layout to HF's
 * rotate_half, and the tokenizer files — copied from a folder when one is given, otherwise rebuilt from the GGUF
 * vocabulary (SentencePiece-style {@code llama} vocabularies only, see {@link GgufVocabulary}).
 *
 * <p>An {@code output.weight} that is absent, or bit-identical to {@code token_embd.weight} (llama2.c's converter
 * writes the tied classifier twice), becomes {@code tie_word_embeddings: true}.
 */
public final class LlamaGgufImporter {

    private static final ObjectMapper JSON = new ObjectMapper();

    private LlamaGgufImporter() {}

    /**
     * Writes the HF folder {@code outDir} (replacing it, atomically) from {@code ggufFile}.
     *
     * @param tokenizerDir folder whose tokenizer files ({@link HfCheckpointWriter#TOKENIZER_FILES}) are copied, or
     *     null to rebuild {@code tokenizer.json} from the GGUF metadata
     */
    public static void importTo(Path ggufFile, Path outDir, Path tokenizerDir) throws IOException {
        try (GgufReader r = GgufReader.open(ggufFile);
                NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            String arch = r.string("general.architecture");
            if (!arch.equals("llama")) {
                throw new LongtuneException("GGUF file " + ggufFile + " holds a '" + arch + "' model; Longtune imports "
                        + "the llama architecture (Llama, Mistral) only");
            }
            ObjectNode config = config(r);
            int heads = config.get("num_attention_heads").asInt();
            int kvHeads = config.get("num_key_value_heads").asInt();
            Map<String, NDArray> tensors = new LinkedHashMap<>();
            boolean tied = !r.tensors().containsKey("output.weight")
                    || sameBytes(r, "output.weight", "token_embd.weight");
            config.put("tie_word_embeddings", tied);
            for (GgufReader.TensorInfo t : r.tensors().values()) {
                String hf = LlamaGgufLayout.toHf(t.name());
                if (hf == null) {
                    throw new LongtuneException("GGUF file " + ggufFile + " has tensor '" + t.name() + "', which "
                            + "Longtune's llama model has no place for");
                }
                if (tied && hf.equals("lm_head.weight")) {
                    continue;
                }
                float[] data = r.readFloats(t.name());
                long[] shape = t.shape();
                int permHeads = LlamaGgufLayout.permutedHeads(hf, heads, kvHeads);
                if (permHeads > 0) {
                    data = LlamaGgufLayout.unpermute(data, permHeads, shape.length == 2 ? shape[1] : 1);
                }
                NDArray a = manager.create(data, new Shape(shape));
                a.setName(hf);
                tensors.put(hf, a);
                if (hf.endsWith("q_proj.bias") || hf.endsWith("k_proj.bias") || hf.endsWith("v_proj.bias")
                        || hf.endsWith("o_proj.bias")) {
                    config.put("attention_bias", true);
                }
                if (hf.contains(".mlp.") && hf.endsWith(".bias")) {
                    config.put("mlp_bias", true);
                }
            }
            if (!tensors.containsKey("model.embed_tokens.weight")) {
                throw GgufReader.corrupt(ggufFile, "tensor 'token_embd.weight' is missing");
            }
            int vocab = (int) tensors.get("model.embed_tokens.weight").getShape().get(0);
            if (config.get("vocab_size").asInt() != vocab) {
                throw GgufReader.corrupt(ggufFile, "llama.vocab_size is " + config.get("vocab_size")
                        + " but token_embd.weight has " + vocab + " rows");
            }
            Path tokDir = tokenizerDir;
            Path rebuilt = null;
            try {
                if (tokDir == null) {
                    rebuilt = Files.createTempDirectory("longtune-gguf-tokenizer");
                    GgufVocabulary.writeHf(r, rebuilt);
                    tokDir = rebuilt;
                } else if (!Files.isRegularFile(tokDir.resolve("tokenizer.json"))) {
                    throw new LongtuneException("tokenizer.json is missing from " + tokDir);
                }
                HfCheckpointWriter.save(outDir, config, tensors, tokDir);
            } finally {
                if (rebuilt != null) {
                    try (Stream<Path> walk = Files.walk(rebuilt)) {
                        for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
                            Files.deleteIfExists(p);
                        }
                    }
                }
            }
        }
    }

    private static boolean sameBytes(GgufReader r, String a, String b) throws IOException {
        GgufReader.TensorInfo ia = r.tensors().get(a);
        GgufReader.TensorInfo ib = r.tensors().get(b);
        if (ib == null || ia.typeId() != ib.typeId() || !Arrays.equals(ia.dims(), ib.dims())) {
            return false;
        }
        return r.data(a).equals(r.data(b));
    }

    /** config.json from the {@code llama.*} and {@code tokenizer.ggml.*} metadata. */
    private static ObjectNode config(GgufReader r) {
        int hidden = positive(r, "llama.embedding_length");
        int heads = positive(r, "llama.attention.head_count");
        int kvHeads = r.get("llama.attention.head_count_kv").isPresent()
                ? positive(r, "llama.attention.head_count_kv") : heads;
        int headDim = r.get("llama.attention.key_length").isPresent() ? positive(r, "llama.attention.key_length")
                : r.get("llama.rope.dimension_count").isPresent() ? positive(r, "llama.rope.dimension_count")
                : hidden / heads;
        int vocab;
        if (r.get("llama.vocab_size").isPresent()) {
            vocab = positive(r, "llama.vocab_size");
        } else {
            GgufReader.TensorInfo emb = r.info("token_embd.weight");
            vocab = (int) emb.dims()[emb.dims().length - 1];
        }
        ObjectNode c = JSON.createObjectNode();
        c.putArray("architectures").add("LlamaForCausalLM");
        c.put("model_type", "llama");
        c.put("hidden_size", hidden);
        c.put("intermediate_size", positive(r, "llama.feed_forward_length"));
        c.put("num_hidden_layers", positive(r, "llama.block_count"));
        c.put("num_attention_heads", heads);
        c.put("num_key_value_heads", kvHeads);
        c.put("head_dim", headDim);
        c.put("vocab_size", vocab);
        c.put("max_position_embeddings", positive(r, "llama.context_length"));
        c.put("rms_norm_eps", shortest(r.number("llama.attention.layer_norm_rms_epsilon")));
        c.put("rope_theta", r.get("llama.rope.freq_base").isPresent()
                ? shortest(r.number("llama.rope.freq_base")) : 10000.0);
        c.put("hidden_act", "silu");
        c.put("bos_token_id", r.get("tokenizer.ggml.bos_token_id").map(GgufValue::asLong).orElse(1L).intValue());
        c.put("eos_token_id", r.get("tokenizer.ggml.eos_token_id").map(GgufValue::asLong).orElse(2L).intValue());
        c.put("torch_dtype", "float32");
        c.put("attention_bias", false);
        c.put("mlp_bias", false);
        String scaling = r.get("llama.rope.scaling.type").map(GgufValue::asString).orElse("none");
        if (scaling.equals("linear")) {
            c.putObject("rope_scaling").put("rope_type", "linear")
                    .put("factor", shortest(r.number("llama.rope.scaling.factor")));
        } else if (!scaling.equals("none")) {
            throw new LongtuneException("GGUF file " + r.file() + " uses RoPE scaling '" + scaling
                    + "', which Longtune cannot import yet (only none and linear)");
        }
        return c;
    }

    /** GGUF stores these as float32: write the shortest decimal of that float (1e-5, not 9.99999974738e-06). */
    private static double shortest(double v) {
        return Double.parseDouble(Float.toString((float) v));
    }

    private static int positive(GgufReader r, String key) {
        long v = r.integer(key);
        if (v <= 0 || v > Integer.MAX_VALUE) {
            throw GgufReader.corrupt(r.file(), "metadata '" + key + "' is " + v + ", not a positive integer");
        }
        return (int) v;
    }
}
