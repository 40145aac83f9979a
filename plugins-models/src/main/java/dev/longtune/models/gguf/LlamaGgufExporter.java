package dev.longtune.models.gguf;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.longtune.api.ContextExtension;
import dev.longtune.api.LongtuneException;
import dev.longtune.api.RopeParameters;
import dev.longtune.models.llama.LlamaConfig;
import dev.longtune.models.llama.LlamaModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Exports a Llama-family model (Llama 1/2/3, Mistral, TinyLlama, stories*) as a GGUF file that llama.cpp and
 * Ollama load with their {@code llama} architecture: F32 (lossless) or F16 weights, the hyper-parameters as
 * {@code llama.*} metadata, the tokenizer as {@code tokenizer.ggml.*} (see {@link GgufVocabulary}).
 *
 * <p>Tensors get llama.cpp's names ({@code token_embd.weight}, {@code blk.N.attn_q.weight}, ...,
 * {@code output_norm.weight}, {@code output.weight} — absent when the embeddings are tied, llama.cpp then reuses
 * {@code token_embd}), ggml dimensions (the row-major shape reversed) and, for q and k, rows permuted from HF's
 * rotate_half layout to GGML's interleaved RoPE layout. With F16, 1-D tensors (norms, biases) stay F32, as
 * llama.cpp's converter does.
 */
public final class LlamaGgufExporter {

    /** GGUF with F32 weights. */
    public static final String FORMAT = "gguf";
    /** GGUF with F16 weights. */
    public static final String FORMAT_F16 = "gguf-f16";
    /** Every format a Llama model exports to: the HF folder and the two GGUF flavours. */
    public static final Set<String> FORMATS = Collections.unmodifiableSet(new LinkedHashSet<>(
            List.of("hf", FORMAT, FORMAT_F16)));

    private LlamaGgufExporter() {}

    /** Whether {@code format} is one of the GGUF formats this class writes. */
    public static boolean handles(String format) {
        return FORMAT.equals(format) || FORMAT_F16.equals(format);
    }

    /** {@link #export(LlamaModel, Path, Path, GgufTensorType)} for a format name ({@code gguf} or {@code gguf-f16}). */
    public static void export(LlamaModel model, Path tokenizerDir, String format, Path out) throws IOException {
        if (!handles(format)) {
            throw new LongtuneException("not a GGUF format: '" + format + "'; formats: " + FORMATS);
        }
        export(model, tokenizerDir, out, FORMAT.equals(format) ? GgufTensorType.F32 : GgufTensorType.F16);
    }

    /**
     * Writes {@code model} to the GGUF file {@code out}, atomically.
     *
     * @param tokenizerDir the folder holding the model's {@code tokenizer.json} (and {@code tokenizer_config.json})
     */
    public static void export(LlamaModel model, Path tokenizerDir, Path out, GgufTensorType dtype)
            throws IOException {
        if (Files.isDirectory(out)) {
            throw new LongtuneException("GGUF export writes a single file, but " + out + " is a folder; give a file "
                    + "name such as " + out.resolve("model.gguf"));
        }
        LlamaConfig c = model.llamaConfig();
        String type = c.modelType();
        if (!type.equals("llama") && !type.equals("mistral")) {
            throw new LongtuneException("GGUF export supports the llama and mistral model types, not '" + type + "'");
        }
        GgufWriter w = new GgufWriter();
        w.put("general.architecture", GgufValue.string("llama"));
        String name = model.config().raw().path("_name_or_path").asText("");
        if (name.isEmpty() && tokenizerDir != null && tokenizerDir.getFileName() != null) {
            name = tokenizerDir.getFileName().toString();
        }
        if (!name.isEmpty()) {
            w.put("general.name", GgufValue.string(name));
        }
        // llama_ftype: 0 = all F32, 1 = mostly F16.
        w.put("general.file_type", GgufValue.uint32(dtype == GgufTensorType.F32 ? 0 : 1));
        w.put("llama.vocab_size", GgufValue.uint32(c.vocabSize()));
        w.put("llama.context_length", GgufValue.uint32(model.config().maxPositionEmbeddings()));
        w.put("llama.embedding_length", GgufValue.uint32(c.hiddenSize()));
        w.put("llama.block_count", GgufValue.uint32(c.numLayers()));
        w.put("llama.feed_forward_length", GgufValue.uint32(c.intermediateSize()));
        w.put("llama.attention.head_count", GgufValue.uint32(c.numHeads()));
        w.put("llama.attention.head_count_kv", GgufValue.uint32(c.numKvHeads()));
        w.put("llama.rope.freq_base", GgufValue.float32((float) c.ropeTheta()));
        w.put("llama.attention.layer_norm_rms_epsilon", GgufValue.float32((float) c.rmsNormEps()));
        w.put("llama.rope.dimension_count", GgufValue.uint32(c.headDim()));
        if (c.headDim() * c.numHeads() != c.hiddenSize()) {
            w.put("llama.attention.key_length", GgufValue.uint32(c.headDim()));
            w.put("llama.attention.value_length", GgufValue.uint32(c.headDim()));
        }
        ropeScaling(model, c, w);
        for (Map.Entry<String, GgufValue> e : GgufVocabulary.fromHf(tokenizerDir, c.vocabSize(),
                model.tokenizer().bosId(), model.tokenizer().eosId()).entrySet()) {
            w.put(e.getKey(), e.getValue());
        }
        addTensors(w, model.parameters(), c, dtype);
        w.write(out);
    }

    private static void ropeScaling(LlamaModel model, LlamaConfig c, GgufWriter w) {
        if (model.contextExtension().isEmpty()) {
            return;
        }
        ContextExtension ext = model.contextExtension().get();
        Map<String, Object> rs = ext.hfRopeScaling(new RopeParameters(c.headDim(), c.ropeTheta(),
                c.maxPositionEmbeddings()));
        if (rs == null || rs.isEmpty()) {
            return; // e.g. a sliding window: the rotation is unchanged
        }
        Object kind = rs.getOrDefault("rope_type", rs.get("type"));
        if ("linear".equals(kind) && rs.get("factor") instanceof Number f) {
            w.put("llama.rope.scaling.type", GgufValue.string("linear"));
            w.put("llama.rope.scaling.factor", GgufValue.float32(f.floatValue()));
            return;
        }
        throw new LongtuneException("the model runs with context extension '" + ext.name() + "' (rope_scaling "
                + rs + "), which Longtune cannot describe in GGUF yet (only linear scaling); export 'hf' instead");
    }

    private static void addTensors(GgufWriter w, Map<String, NDArray> params, LlamaConfig c, GgufTensorType dtype) {
        for (Map.Entry<String, NDArray> e : params.entrySet()) {
            String hf = e.getKey();
            String gguf = LlamaGgufLayout.toGguf(hf);
            if (gguf == null) {
                throw new LongtuneException("parameter '" + hf + "' has no place in llama.cpp's llama architecture; "
                        + "cannot export it to GGUF");
            }
            NDArray a = e.getValue();
            long[] shape = a.getShape().getShape();
            long[] dims = new long[shape.length];
            for (int i = 0; i < shape.length; i++) {
                dims[i] = shape[shape.length - 1 - i];
            }
            int heads = LlamaGgufLayout.permutedHeads(hf, c.numHeads(), c.numKvHeads());
            long cols = shape.length == 2 ? shape[1] : 1;
            GgufTensorType type = shape.length <= 1 ? GgufTensorType.F32 : dtype;
            w.addTensor(gguf, dims, type, sink -> {
                float[] data = floats(a);
                sink.put(heads > 0 ? LlamaGgufLayout.permute(data, heads, cols) : data);
            });
        }
    }

    private static float[] floats(NDArray a) {
        if (a.getDataType() == DataType.FLOAT32) {
            return a.toFloatArray();
        }
        try (NDArray f = a.toType(DataType.FLOAT32, true)) {
            return f.toFloatArray();
        }
    }
}
