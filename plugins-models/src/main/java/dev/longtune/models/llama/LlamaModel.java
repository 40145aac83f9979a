package dev.longtune.models.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longtune.api.AttentionPattern;
import dev.longtune.api.ChatTemplate;
import dev.longtune.api.ContextExtension;
import dev.longtune.api.ForwardInput;
import dev.longtune.api.Generation;
import dev.longtune.api.GenerationOptions;
import dev.longtune.api.KvCache;
import dev.longtune.api.LanguageModel;
import dev.longtune.api.LinearLayer;
import dev.longtune.api.LongtuneException;
import dev.longtune.api.ModelConfig;
import dev.longtune.api.RopeParameters;
import dev.longtune.api.TextTokenizer;
import dev.longtune.models.chat.ChatTemplates;
import dev.longtune.models.generate.Generator;
import dev.longtune.models.gguf.LlamaGgufExporter;
import dev.longtune.models.io.HfCheckpointWriter;
import dev.longtune.models.tokenizer.HfTextTokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A Llama decoder (spec A.0) on DJL ops: RMSNorm, GQA attention with rotate_half RoPE, SwiGLU MLP.
 *
 * <p><b>Memory.</b> Every op puts the activation first, so results attach to the manager of the input ids and
 * nothing lands in {@link #manager()} (which holds only the parameters and may be capped). RoPE tables and the
 * causal mask live in a separate buffer manager; generation steps use sub-managers of a work manager.
 *
 * <p><b>Autograd.</b> The forward pass is plain differentiable ops; a method sets {@code requiresGradient} on any
 * parameter and back-propagates through {@code forward(ForwardInput.training(ids))}.
 *
 * <p><b>Attention pattern.</b> Every forward pass asks the context extension (if any) for its pattern,
 * {@code extension.attention(input.training())}, and uses full causal attention without one:
 * <ul>
 *   <li>{@link AttentionPattern.SlidingWindow}(W): query i sees keys {@code i-W < j <= i} (HF, spec A.3), in full
 *       forwards and cached decoding. {@link #newCache} then allocates {@code min(capacity, W)} slots and, when W is
 *       smaller than the capacity, uses them as a ring (see {@link LlamaKvCache}), so KV memory is bounded by W.
 *       Positions keep growing; RoPE rows past the tables are made on demand. Generation may run past
 *       {@code max_position_embeddings} (up to {@link #MAX_ROLLING_POSITIONS}) when W is at most that: attention
 *       never spans more than W positions, and RoPE depends only on the distance.</li>
 *   <li>{@link AttentionPattern.ShiftedSparse}: LongLoRA's S²-Attn (spec C, {@link ShiftedSparseAttention}), for
 *       full forwards only; a KV cache with it is refused.</li>
 * </ul>
 */
public final class LlamaModel implements LanguageModel {

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * How far generation with a rolling (sliding-window) cache may run: 2^24 positions, the largest range in which
     * every position is exact in float32, the precision transformers (and {@link RotaryTables}) compute RoPE angles
     * in. Past it positions round and rotations degrade.
     */
    public static final int MAX_ROLLING_POSITIONS = 1 << 24;

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
    private final Map<Integer, CausalMask> windowMasks = new ConcurrentHashMap<>();
    private final ShiftedSparseAttention shiftedSparse;
    private final ContextExtension extension;
    private final RopeParameters ropeParameters;
    private final DataType dtype;
    private final Path sourceDir;
    /** Per layer: q, k, v, o, gate, up, down projections, routable through adapters ({@link #linearLayers()}). */
    private final List<LlamaLinear[]> projections = new ArrayList<>();
    private final Map<String, LinearLayer> linearLayers = new LinkedHashMap<>();
    private volatile Optional<ChatTemplate> chatTemplate; // resolved on first use
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
        for (int i = 0; i < layers.size(); i++) {
            LlamaLayer w = layers.get(i);
            String p = "model.layers." + i + ".";
            LlamaLinear[] proj = {
                new LlamaLinear(p + "self_attn.q_proj", w.q(), w.qBias()),
                new LlamaLinear(p + "self_attn.k_proj", w.k(), w.kBias()),
                new LlamaLinear(p + "self_attn.v_proj", w.v(), w.vBias()),
                new LlamaLinear(p + "self_attn.o_proj", w.o(), w.oBias()),
                new LlamaLinear(p + "mlp.gate_proj", w.gate(), w.gateBias()),
                new LlamaLinear(p + "mlp.up_proj", w.up(), w.upBias()),
                new LlamaLinear(p + "mlp.down_proj", w.down(), w.downBias())};
            projections.add(proj);
            for (LlamaLinear l : proj) {
                linearLayers.put(l.name(), l);
            }
        }
        int half = config.headDim() / 2;
        // q and k are always [B, heads, T, hd]; prebuilt so no index string is parsed per call.
        this.lowHalf = new NDIndex().addAllDim().addAllDim().addAllDim().addSliceDim(0, half);
        this.highHalf = new NDIndex().addAllDim().addAllDim().addAllDim().addSliceDim(half, config.headDim());
        // 0-d constants made once (a Number operand would create a scalar tensor on every call), and allocated by
        // torch (full), never from Java memory: autograd keeps mul's operand for the backward pass, and DJL backs
        // number operands with Java buffers the GC may free first (see plugins-training's ScalarOperandTest).
        this.scale = buffers.full(new Shape(), (float) (1.0 / Math.sqrt(config.headDim())), DataType.FLOAT32);
        this.eps = buffers.full(new Shape(), (float) config.rmsNormEps(), DataType.FLOAT32);
        this.shiftedSparse = new ShiftedSparseAttention(dtype, buffers, mask, scale);
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
    public Optional<ContextExtension> contextExtension() {
        return Optional.ofNullable(extension);
    }

    /** The attention pattern of a forward pass: the extension's choice, full causal attention without one. */
    AttentionPattern attention(boolean training) {
        if (extension == null) {
            return AttentionPattern.CAUSAL;
        }
        AttentionPattern p = extension.attention(training);
        if (p == null) {
            throw new LongtuneException("context extension '" + extension.name() + "' returned no attention pattern");
        }
        return p;
    }

    /** The S²-Attn kernel, so tests and benchmarks can switch between its grouped and full-mask paths. */
    ShiftedSparseAttention shiftedSparse() {
        return shiftedSparse;
    }

    private static int window(AttentionPattern p) {
        return p instanceof AttentionPattern.SlidingWindow sw ? sw.window() : 0;
    }

    private CausalMask windowMask(int window) {
        return windowMasks.computeIfAbsent(window, w -> new CausalMask(dtype, buffers, w));
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
        AttentionPattern pattern = attention(input.training());
        AttentionPattern.ShiftedSparse s2 = pattern instanceof AttentionPattern.ShiftedSparse ss ? ss : null;
        int window = window(pattern);
        LlamaKvCache cache = null;
        if (input.cache() != null) {
            if (!(input.cache() instanceof LlamaKvCache)) {
                throw new IllegalArgumentException("the KV cache was not created by this model");
            }
            if (s2 != null) {
                throw new LongtuneException("shifted sparse attention (S²-Attn) is a training pattern over whole "
                        + "sequences; it cannot run with a KV cache (context extension '" + extension.name()
                        + "' chose it for a cached forward pass)");
            }
            cache = (LlamaKvCache) input.cache();
            cache.check(this, b, t, window);
        } else if (s2 != null) {
            ShiftedSparseAttention.groupSize(t, s2.groupSizeRatio()); // fail before any work
        }
        int past = cache == null ? 0 : cache.length();
        int total = past + t;

        NDArray[] cosSin = rotary(m, input.positionIds(), past, t, total);
        NDArray cos = cosSin[0];
        NDArray sin = cosSin[1];
        NDArray attnMask = null;
        if (t > 1 && s2 == null) {
            // Keys are the `visible` cached positions right before this call's tokens, then the tokens themselves.
            int visible = cache == null ? 0 : cache.visible();
            attnMask = (window > 0 ? windowMask(window) : mask).window(m, visible, t);
        }

        NDArray h = ids.getNDArrayInternal().embedding(ids, embed, SparseFormat.DENSE).singletonOrThrow();
        for (int i = 0; i < layers.size(); i++) {
            h = layer(layers.get(i), i, h, b, t, cos, sin, attnMask, s2, cache, m, input.training());
        }
        h = rmsNorm(h, finalNorm);
        NDArray logits = linear(h, lmHead, null);
        if (cache != null) {
            cache.advance(t);
        }
        return logits.getDataType() == DataType.FLOAT32 ? logits : logits.toType(DataType.FLOAT32, false);
    }

    private NDArray layer(LlamaLayer w, int index, NDArray h, int b, int t, NDArray cos, NDArray sin,
            NDArray attnMask, AttentionPattern.ShiftedSparse s2, LlamaKvCache cache, NDManager m, boolean training) {
        int nH = config.numHeads();
        int nKv = config.numKvHeads();
        int hd = config.headDim();
        LlamaLinear[] proj = projections.get(index);
        NDArray x = rmsNorm(h, w.inputNorm());
        NDArray q = proj[0].apply(x, training).reshape(b, t, nH, hd).transpose(0, 2, 1, 3);
        NDArray k = proj[1].apply(x, training).reshape(b, t, nKv, hd).transpose(0, 2, 1, 3);
        NDArray v = proj[2].apply(x, training).reshape(b, t, nKv, hd).transpose(0, 2, 1, 3);
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
        NDArray out;
        if (s2 != null) {
            out = shiftedSparse.attend(q, k, v, s2);
        } else {
            NDArray scores = q.matMul(k.transpose(0, 1, 3, 2)).mul(scale);
            if (attnMask != null) {
                scores = scores.add(attnMask);
            }
            out = LlamaOps.softmax32(scores).matMul(v);
        }
        NDArray attn = out.transpose(0, 2, 1, 3).reshape(b, t, nH * hd);
        h = h.add(proj[3].apply(attn, training));
        x = rmsNorm(h, w.postNorm());
        NDArray g = proj[4].apply(x, training);
        NDArray u = proj[5].apply(x, training);
        return h.add(proj[6].apply(LlamaOps.silu(g).mul(u), training));
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
            return rope.rows(m, past, total, total);
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
        AttentionPattern p = attention(false);
        if (p instanceof AttentionPattern.ShiftedSparse) {
            throw new LongtuneException("context extension '" + extension.name() + "' uses shifted sparse "
                    + "attention (S²-Attn) for inference, which cannot decode with a KV cache");
        }
        // With a sliding window W < capacity the cache is a ring of W slots (memory bounded by the window).
        return new LlamaKvCache(this, work.newSubManager(), config.numLayers(), batchSize, config.numKvHeads(),
                config.headDim(), capacity, window(p), dtype);
    }

    @Override
    public Generation generate(int[] promptIds, GenerationOptions options, TokenListener listener) {
        ensureOpen();
        return Generator.generate(this, work, promptIds, options, listener, generationLimit());
    }

    /**
     * The longest sequence (prompt plus generated tokens) {@link #generate} produces: the model's context, or
     * {@link #MAX_ROLLING_POSITIONS} with a sliding window no wider than the context (the cache rolls, attention
     * never spans more than W positions, so nothing outside the trained range of distances is used).
     */
    int generationLimit() {
        int context = modelConfig.maxPositionEmbeddings();
        int w = window(attention(false));
        return w > 0 && w <= context ? Math.max(context, MAX_ROLLING_POSITIONS) : context;
    }

    @Override
    public void save(Path directory) throws IOException {
        ensureOpen();
        ObjectNode out = rawConfig.deepCopy();
        if (extension != null) {
            Map<String, Object> rs = extension.hfRopeScaling(ropeParameters);
            if (rs == null || rs.isEmpty()) {
                out.remove("rope_scaling"); // the extension does not rotate differently (e.g. a sliding window)
            } else {
                out.set("rope_scaling", JSON.valueToTree(rs));
            }
            out.put("max_position_embeddings", modelConfig.maxPositionEmbeddings());
        }
        HfCheckpointWriter.save(directory, out, parameters, sourceDir);
    }

    @Override
    public Map<String, LinearLayer> linearLayers() {
        return Collections.unmodifiableMap(linearLayers);
    }

    @Override
    public Optional<ChatTemplate> chatTemplate() {
        ensureOpen();
        Optional<ChatTemplate> t = chatTemplate;
        if (t == null) {
            t = sourceDir == null ? Optional.empty() : ChatTemplates.forCheckpoint(sourceDir, config.modelType());
            chatTemplate = t;
        }
        return t;
    }

    @Override
    public java.util.Set<String> exportFormats() {
        return LlamaGgufExporter.FORMATS;
    }

    @Override
    public void export(String format, Path out) throws IOException {
        ensureOpen();
        if (LlamaGgufExporter.handles(format) && !"hf".equals(format)) {
            LlamaGgufExporter.export(this, sourceDir, format, out);
        } else {
            LanguageModel.super.export(format, out);
        }
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
