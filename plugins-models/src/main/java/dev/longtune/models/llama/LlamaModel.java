package dev.longtune.models.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longtune.api.ContextExtension;
import dev.longtune.api.ForwardInput;
import dev.longtune.api.Generation;
import dev.longtune.api.GenerationOptions;
import dev.longtune.api.KvCache;
import dev.longtune.api.LanguageModel;
import dev.longtune.api.LongtuneException;
import dev.longtune.api.ModelConfig;
import dev.longtune.api.RopeParameters;
import dev.longtune.api.TextTokenizer;
import dev.longtune.models.generate.Generator;
import dev.longtune.models.io.HfCheckpointWriter;
import dev.longtune.models.tokenizer.HfTextTokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * A Llama decoder (spec A.0) on DJL ops: RMSNorm, GQA attention with rotate_half RoPE, SwiGLU MLP.
 *
 * <p><b>Memory.</b> Every op puts the activation first, so results attach to the manager of the input ids and
 * nothing lands in {@link #manager()} (which holds only the parameters and may be capped). RoPE tables and the
 * causal mask live in a separate buffer manager; generation steps use sub-managers of a work manager.
 *
 * <p><b>Autograd.</b> The forward pass is plain differentiable ops; a method sets {@code requiresGradient} on any
 * parameter and back-propagates through {@code forward(ForwardInput.training(ids))}.
 */
public final class LlamaModel implements LanguageModel {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final LlamaConfig config;
    private final ModelConfig modelConfig;
    private final ObjectNode rawConfig;
    private final HfTextTokenizer tokenizer;
    private final NDManager root;
    private final NDManager params;
    private final NDManager buffers;
    private final NDManager work;
    private final Map<String, NDArray> parameters;
    private final NDArray embed;
    private final List<LlamaLayer> layers;
    private final NDArray finalNorm;
    private final NDArray lmHead;
    private final RotaryTables rope;
    private final CausalMask mask;
    private final ContextExtension extension;
    private final RopeParameters ropeParameters;
    private final DataType dtype;
    private final Path sourceDir;
    private final NDIndex lowHalf;
    private final NDIndex highHalf;
    private final NDArray scale;
    private final NDArray eps;
    private boolean closed;

    LlamaModel(LlamaConfig config, ModelConfig modelConfig, ObjectNode rawConfig, HfTextTokenizer tokenizer,
            NDManager root, NDManager params, NDManager buffers, Map<String, NDArray> parameters, NDArray embed,
            List<LlamaLayer> layers, NDArray finalNorm, NDArray lmHead, RotaryTables rope,
            ContextExtension extension, RopeParameters ropeParameters, DataType dtype, Path sourceDir) {
        this.config = config;
        this.modelConfig = modelConfig;
        this.rawConfig = rawConfig;
        this.tokenizer = tokenizer;
        this.root = root;
        this.params = params;
        this.buffers = buffers;
        this.work = root.newSubManager();
        this.parameters = Collections.unmodifiableMap(parameters);
        this.embed = embed;
        this.layers = List.copyOf(layers);
        this.finalNorm = finalNorm;
        this.lmHead = lmHead;
        this.rope = rope;
        this.mask = new CausalMask(dtype, buffers);
        this.extension = extension;
        this.ropeParameters = ropeParameters;
        this.dtype = dtype;
        this.sourceDir = sourceDir;
        int half = config.headDim() / 2;
        // q and k are always [B, heads, T, hd]; prebuilt so no index string is parsed per call.
        this.lowHalf = new NDIndex().addAllDim().addAllDim().addAllDim().addSliceDim(0, half);
        this.highHalf = new NDIndex().addAllDim().addAllDim().addAllDim().addSliceDim(half, config.headDim());
        // 0-d constants made once (a Number operand would create a scalar tensor on every call), and allocated by
        // torch (full), never from Java memory: autograd keeps mul's operand for the backward pass, and DJL backs
        // number operands with Java buffers the GC may free first (see plugins-training's ScalarOperandTest).
        this.scale = buffers.full(new Shape(), (float) (1.0 / Math.sqrt(config.headDim())), DataType.FLOAT32);
        this.eps = buffers.full(new Shape(), (float) config.rmsNormEps(), DataType.FLOAT32);
    }

    @Override
    public String architecture() {
        return LlamaArchitecture.NAME;
    }

    @Override
    public ModelConfig config() {
        return modelConfig;
    }

    /** The full Llama hyper-parameters (the pretrained ones: max positions before any context extension). */
    public LlamaConfig llamaConfig() {
        return config;
    }

    @Override
    public TextTokenizer tokenizer() {
        return tokenizer;
    }

    @Override
    public NDManager manager() {
        return params;
    }

    @Override
    public Map<String, NDArray> parameters() {
        return parameters;
    }

    /** The compute dtype of the weights and activations (logits are always returned in float32). */
    public DataType dtype() {
        return dtype;
    }

    @Override
    public NDArray forward(ForwardInput input) {
        ensureOpen();
        NDArray ids = input.inputIds();
        NDManager m = ids.getManager();
        long[] shape = ids.getShape().getShape();
        if (shape.length != 2) {
            throw new IllegalArgumentException("inputIds must be [B, T], was " + ids.getShape());
        }
        int b = (int) shape[0];
        int t = (int) shape[1];
        LlamaKvCache cache = null;
        if (input.cache() != null) {
            if (!(input.cache() instanceof LlamaKvCache)) {
                throw new IllegalArgumentException("the KV cache was not created by this model");
            }
            cache = (LlamaKvCache) input.cache();
            cache.check(this, b, t);
        }
        int past = cache == null ? 0 : cache.length();
        int total = past + t;

        NDArray[] cosSin = rotary(m, input.positionIds(), past, t, total);
        NDArray cos = cosSin[0];
        NDArray sin = cosSin[1];
        NDArray causal = t > 1 ? mask.window(m, past, t) : null;

        NDArray h = ids.getNDArrayInternal().embedding(ids, embed, SparseFormat.DENSE).singletonOrThrow();
        for (int i = 0; i < layers.size(); i++) {
            h = layer(layers.get(i), i, h, b, t, cos, sin, causal, cache, m);
        }
        h = rmsNorm(h, finalNorm);
        NDArray logits = linear(h, lmHead, null);
        if (cache != null) {
            cache.advance(t);
        }
        return logits.getDataType() == DataType.FLOAT32 ? logits : logits.toType(DataType.FLOAT32, false);
    }

    private NDArray layer(LlamaLayer w, int index, NDArray h, int b, int t, NDArray cos, NDArray sin,
            NDArray causal, LlamaKvCache cache, NDManager m) {
        int nH = config.numHeads();
        int nKv = config.numKvHeads();
        int hd = config.headDim();
        NDArray x = rmsNorm(h, w.inputNorm());
        NDArray q = linear(x, w.q(), w.qBias()).reshape(b, t, nH, hd).transpose(0, 2, 1, 3);
        NDArray k = linear(x, w.k(), w.kBias()).reshape(b, t, nKv, hd).transpose(0, 2, 1, 3);
        NDArray v = linear(x, w.v(), w.vBias()).reshape(b, t, nKv, hd).transpose(0, 2, 1, 3);
        q = applyRope(q, cos, sin);
        k = applyRope(k, cos, sin);
        if (cache != null) {
            NDArray[] kv = cache.append(index, k, v, m);
            k = kv[0];
            v = kv[1];
        }
        if (nH != nKv) {
            // repeat_interleave along heads = HF repeat_kv: query head h reads KV head h / (nH / nKv).
            k = k.repeat(1, nH / nKv);
            v = v.repeat(1, nH / nKv);
        }
        NDArray scores = q.matMul(k.transpose(0, 1, 3, 2)).mul(scale);
        if (causal != null) {
            scores = scores.add(causal);
        }
        NDArray probs = scores.getDataType() == DataType.FLOAT32
                ? scores.softmax(-1)
                : scores.toType(DataType.FLOAT32, false).softmax(-1).toType(scores.getDataType(), false);
        NDArray attn = probs.matMul(v).transpose(0, 2, 1, 3).reshape(b, t, nH * hd);
        h = h.add(linear(attn, w.o(), w.oBias()));
        x = rmsNorm(h, w.postNorm());
        NDArray g = linear(x, w.gate(), w.gateBias());
        NDArray u = linear(x, w.up(), w.upBias());
        return h.add(linear(LlamaOps.silu(g).mul(u), w.down(), w.downBias()));
    }

    private NDArray applyRope(NDArray x, NDArray cos, NDArray sinSigned) {
        return LlamaOps.rope(x, cos, sinSigned, lowHalf, highHalf);
    }

    private NDArray rmsNorm(NDArray x, NDArray weight) {
        return LlamaOps.rmsNorm(x, weight, eps);
    }

    private static NDArray linear(NDArray x, NDArray weight, NDArray bias) {
        return LlamaOps.linear(x, weight, bias);
    }

    /** cos/sin for the positions of this call, attached to {@code m}: [T, hd] or, with explicit ids, [B, 1, T, hd]. */
    private NDArray[] rotary(NDManager m, NDArray positionIds, int past, int t, int total) {
        if (positionIds == null) {
            NDArray[] tables = rope.tables(total, total);
            NDIndex rows = new NDIndex().addSliceDim(past, total);
            return new NDArray[] {tables[0].get(m, rows), tables[1].get(m, rows)};
        }
        int maxPos;
        try (NDArray max = positionIds.max()) {
            maxPos = (int) max.getLong();
        }
        int seqLen = Math.max(maxPos + 1, total);
        NDArray[] tables = rope.tables(maxPos + 1, seqLen);
        NDArray cos = positionIds.getNDArrayInternal().embedding(positionIds, tables[0], SparseFormat.DENSE)
                .singletonOrThrow().expandDims(1);
        NDArray sin = positionIds.getNDArrayInternal().embedding(positionIds, tables[1], SparseFormat.DENSE)
                .singletonOrThrow().expandDims(1);
        if (cos.getManager() != m) {
            cos.attach(m);
            sin.attach(m);
        }
        return new NDArray[] {cos, sin};
    }

    @Override
    public KvCache newCache(int batchSize, int capacity) {
        ensureOpen();
        if (batchSize <= 0 || capacity <= 0) {
            throw new IllegalArgumentException("batch and capacity must be positive");
        }
        return new LlamaKvCache(this, work.newSubManager(), config.numLayers(), batchSize, config.numKvHeads(),
                config.headDim(), capacity, dtype);
    }

    @Override
    public Generation generate(int[] promptIds, GenerationOptions options, TokenListener listener) {
        ensureOpen();
        return Generator.generate(this, work, promptIds, options, listener);
    }

    @Override
    public void save(Path directory) throws IOException {
        ensureOpen();
        ObjectNode out = rawConfig.deepCopy();
        if (extension != null) {
            out.set("rope_scaling", JSON.valueToTree(extension.hfRopeScaling(ropeParameters)));
            out.put("max_position_embeddings", modelConfig.maxPositionEmbeddings());
        }
        HfCheckpointWriter.save(directory, out, parameters, sourceDir);
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("the model was closed");
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        tokenizer.close();
        root.close();
    }
}
