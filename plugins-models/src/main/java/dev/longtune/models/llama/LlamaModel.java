package dev.longtune.models.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
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
 * The shared decoder of every family (spec A.0) on DJL ops: RMSNorm, GQA attention with rotate_half RoPE, gated MLP;
 * Llama exactly, and what a family's {@link DecoderSpec} changes (Mistral's window, Qwen2's q/k/v biases, Gemma's
 * scaled embedding, (1+w) norm and tanh GeGLU, Gemma 2's soft-caps, per-layer windows, four norms and query scale,
 * Mixtral's top-k experts and router auxiliary loss, {@link #auxiliaryLoss()}). Every q/k/v/o and MLP (or expert)
 * projection goes through a {@link LlamaLinear}, so adapters reach every family.
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
 *       full forwards only; a KV cache with it is refused (and so are families with soft-capping or per-layer
 *       windows).</li>
 * </ul>
 * A family whose every layer has the same window (Mistral's {@code sliding_window}) has that window as its own
 * pattern (see {@link #attention}). Windows that differ per layer (Gemma 2) are applied as per-layer masks by
 * position on top of the pattern, over a full (non-rolling) cache.
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
    private final DecoderSpec spec;
    /** The window all layers share (the model's own attention pattern, e.g. Mistral's sliding_window), or 0. */
    private final int modelWindow;
    /** Per layer, a window applied on top of the pattern when layers differ (Gemma 2), else all 0. */
    private final int[] layerWindows;
    private final NDArray one;
    private final NDArray half;
    private final NDArray geluCubic;
    private final NDArray geluScale;
    private final NDArray embedScale;
    private final NDArray attnCap;
    private final NDArray finalCap;
    private final NDArray[] preFeedForwardNorms;
    private final NDArray[] postFeedForwardNorms;
    private final NDArray[] routers;
    /** Per layer, per expert: w1 (gate), w3 (up), w2 (down). */
    private final LlamaLinear[][][] experts;
    private volatile NDArray lastAuxLoss;
    private volatile NDArray lastLoadBalancingLoss;
    private volatile boolean gradientCheckpointing;
    /** Checkpointed training forwards whose backward pass {@link #completeBackward()} has yet to finish. */
    private final java.util.ArrayDeque<Checkpoint> pendingCheckpoints = new java.util.ArrayDeque<>();
    private boolean closed;

    LlamaModel(LlamaConfig config, ModelConfig modelConfig, ObjectNode rawConfig, HfTextTokenizer tokenizer,
            NDManager root, NDManager params, NDManager buffers, Map<String, NDArray> parameters, NDArray embed,
            List<LlamaLayer> layers, NDArray finalNorm, NDArray lmHead, RotaryTables rope,
            ContextExtension extension, RopeParameters ropeParameters, DataType dtype, Path sourceDir,
            DecoderSpec spec) {
        this.config = config;
        this.spec = spec;
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
            LlamaLinear[] proj = spec.moe() ? new LlamaLinear[] {
                new LlamaLinear(p + "self_attn.q_proj", w.q(), w.qBias()),
                new LlamaLinear(p + "self_attn.k_proj", w.k(), w.kBias()),
                new LlamaLinear(p + "self_attn.v_proj", w.v(), w.vBias()),
                new LlamaLinear(p + "self_attn.o_proj", w.o(), w.oBias())} : new LlamaLinear[] {
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
        int n = layers.size();
        this.preFeedForwardNorms = new NDArray[n];
        this.postFeedForwardNorms = new NDArray[n];
        this.routers = new NDArray[n];
        this.experts = new LlamaLinear[n][][];
        for (int i = 0; i < n; i++) {
            String p = "model.layers." + i + ".";
            if (spec.sandwichNorms()) {
                preFeedForwardNorms[i] = parameters.get(p + "pre_feedforward_layernorm.weight");
                postFeedForwardNorms[i] = parameters.get(p + "post_feedforward_layernorm.weight");
            }
            if (spec.moe()) {
                String e = p + "block_sparse_moe.";
                routers[i] = parameters.get(e + "gate.weight");
                experts[i] = new LlamaLinear[spec.numExperts()][];
                for (int x = 0; x < spec.numExperts(); x++) {
                    String q = e + "experts." + x + ".";
                    experts[i][x] = new LlamaLinear[] {
                        new LlamaLinear(q + "w1", parameters.get(q + "w1.weight"), null),
                        new LlamaLinear(q + "w3", parameters.get(q + "w3.weight"), null),
                        new LlamaLinear(q + "w2", parameters.get(q + "w2.weight"), null)};
                    for (LlamaLinear l : experts[i][x]) {
                        linearLayers.put(l.name(), l);
                    }
                }
            }
        }
        this.modelWindow = spec.uniformWindow();
        this.layerWindows = modelWindow > 0 ? new int[n] : spec.layerWindows().clone();
        int half = config.headDim() / 2;
        // q and k are always [B, heads, T, hd]; prebuilt so no index string is parsed per call.
        this.lowHalf = new NDIndex().addAllDim().addAllDim().addAllDim().addSliceDim(0, half);
        this.highHalf = new NDIndex().addAllDim().addAllDim().addAllDim().addSliceDim(half, config.headDim());
        // 0-d constants made once (a Number operand would create a scalar tensor on every call), and allocated by
        // torch (full), never from Java memory: autograd keeps mul's operand for the backward pass, and DJL backs
        // number operands with Java buffers the GC may free first (see plugins-training's ScalarOperandTest).
        this.scale = buffers.full(new Shape(), (float) spec.queryScale(), DataType.FLOAT32);
        this.one = buffers.full(new Shape(), 1f, DataType.FLOAT32);
        this.half = buffers.full(new Shape(), 0.5f, DataType.FLOAT32);
        this.geluCubic = buffers.full(new Shape(), 0.044715f, DataType.FLOAT32);
        this.geluScale = buffers.full(new Shape(), (float) Math.sqrt(2 / Math.PI), DataType.FLOAT32);
        // Gemma: tensor(sqrt(H), dtype=h.dtype), i.e. rounded to the activation dtype (spec A.5.1).
        this.embedScale = spec.embedScale()
                ? buffers.full(new Shape(), (float) Math.sqrt(config.hiddenSize()), dtype) : null;
        this.attnCap = spec.attnSoftcap() > 0
                ? buffers.full(new Shape(), (float) spec.attnSoftcap(), DataType.FLOAT32) : null;
        this.finalCap = spec.finalSoftcap() > 0
                ? buffers.full(new Shape(), (float) spec.finalSoftcap(), DataType.FLOAT32) : null;
        this.eps = buffers.full(new Shape(), (float) config.rmsNormEps(), DataType.FLOAT32);
        this.shiftedSparse = new ShiftedSparseAttention(dtype, buffers, mask, scale);
    }

    @Override
    public String architecture() {
        return spec.architecture();
    }

    /** What this model's family changes in the shared decoder. */
    public DecoderSpec spec() {
        return spec;
    }

    /**
     * The auxiliary training loss of the last training forward pass on this model: for a mixture of experts,
     * {@code router_aux_loss_coef · aux} with {@code aux} the load-balancing loss of spec A.7 over all layers and all
     * tokens of the batch (no padding mask: ForwardInput has none). Empty for dense families and before the first
     * training forward (inference forwards leave it alone). The array belongs to the manager of that forward's
     * input ids.
     */
    @Override
    public Optional<NDArray> auxiliaryLoss() {
        return Optional.ofNullable(lastAuxLoss);
    }

    /** The unweighted load-balancing loss (spec A.7) of the last training forward of a mixture of experts. */
    public Optional<NDArray> loadBalancingLoss() {
        return Optional.ofNullable(lastLoadBalancingLoss);
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

    /**
     * The attention pattern of a forward pass. The model's own pattern is full causal attention, or a sliding window
     * W when its config gives every layer one (Mistral's {@code sliding_window}). A context extension's pattern
     * combines with it: causal keeps the model's window, a sliding window gives the narrower of the two, and S²-Attn
     * (a training pattern over whole sequences) replaces it.
     */
    AttentionPattern attention(boolean training) {
        AttentionPattern own = modelWindow > 0 ? new AttentionPattern.SlidingWindow(modelWindow)
                : AttentionPattern.CAUSAL;
        if (extension == null) {
            return own;
        }
        AttentionPattern p = extension.attention(training);
        if (p == null) {
            throw new LongtuneException("context extension '" + extension.name() + "' returned no attention pattern");
        }
        if (modelWindow > 0) {
            if (p instanceof AttentionPattern.Causal) {
                return own;
            }
            if (p instanceof AttentionPattern.SlidingWindow sw && sw.window() > modelWindow) {
                return own;
            }
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
        if (s2 != null && input.segmentIds() != null) {
            throw new LongtuneException("packed sequences (segment ids) cannot run with shifted sparse attention "
                    + "(S²-Attn) of context extension '" + extension.name() + "': its shifted groups would attend "
                    + "across the packed documents; turn packing off (data.packing: false)");
        }
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
        if (s2 != null && (attnCap != null || hasLayerWindows())) {
            throw new LongtuneException("shifted sparse attention (S²-Attn) is not supported by the "
                    + spec.architecture() + " architecture (attention soft-capping or per-layer windows)");
        }
        if (cache != null && cache.rolling() && hasLayerWindows()) {
            for (int lw : layerWindows) {
                if (lw > 0 && lw < window) {
                    throw new LongtuneException("a sliding window of " + window + " from context extension '"
                            + extension.name() + "' is wider than layer windows of " + lw + "; not supported");
                }
            }
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
        // Packed rows: keys of another segment are hidden too, giving an additive mask per row [B, 1, T, T].
        NDArray sameSegment = sameSegment(input, m, b, t, cache);
        attnMask = withSegments(attnMask, sameSegment);

        NDArray h = ids.getNDArrayInternal().embedding(ids, embed, SparseFormat.DENSE).singletonOrThrow();
        if (embedScale != null) {
            h = h.mul(embedScale);
        }
        Moe moe = spec.moe() ? new Moe() : null;
        if (input.training()) {
            lastAuxLoss = null;
            lastLoadBalancingLoss = null;
        }
        Checkpoint ckpt = checkpoint(input, cache, moe, m, b, t, cos, sin, s2);
        Map<Integer, NDArray> layerMasks = null;
        int visible = cache == null ? 0 : cache.visible();
        for (int i = 0; i < layers.size(); i++) {
            NDArray layerMask = attnMask;
            int lw = layerWindows[i];
            if (lw > 0 && s2 == null && (window == 0 || lw < window) && (t > 1 || visible + t > lw)) {
                if (layerMasks == null) {
                    layerMasks = new java.util.HashMap<>();
                }
                layerMask = layerMasks.computeIfAbsent(lw,
                        x -> withSegments(windowMask(x).window(m, visible, t), sameSegment));
            }
            h = ckpt != null ? ckpt.forwardLayer(i, h, layerMask)
                    : layer(layers.get(i), i, h, b, t, cos, sin, layerMask, s2, cache, m, input.training(), moe);
        }
        if (ckpt != null) {
            h = ckpt.top(h);
        }
        h = rmsNorm(h, finalNorm);
        NDArray logits = linear(h, lmHead, null);
        if (finalCap != null) {
            logits = logits.div(finalCap).tanh().mul(finalCap);
        }
        if (cache != null) {
            cache.advance(t);
        }
        if (moe != null && input.training()) {
            moe.finish(m);
        }
        return LlamaOps.cast(logits, DataType.FLOAT32); // differentiable (DJL's toType is not)
    }

    /**
     * For {@link ForwardInput#segmentIds}: the additive "same segment" mask {@code [B, T, T]} (0 where query i and key
     * j share a segment id, the dtype's most negative value elsewhere), built in {@code m} from an equality
     * comparison; {@code null} without segment ids or for a single token.
     */
    private NDArray sameSegment(ForwardInput input, NDManager m, int b, int t, LlamaKvCache cache) {
        NDArray seg = input.segmentIds();
        if (seg == null) {
            return null;
        }
        if (!seg.getShape().equals(new Shape(b, t))) {
            throw new IllegalArgumentException("segmentIds must be [B, T] = [" + b + ", " + t + "], was "
                    + seg.getShape());
        }
        if (cache != null) {
            throw new LongtuneException("segment ids (packed sequences) are for a stateless forward pass; they cannot "
                    + "be combined with a KV cache");
        }
        if (t == 1) {
            return null;
        }
        // First operand in m, so everything below lives in this pass's manager (not the caller's ids manager).
        NDArray s = m.zeros(new Shape(b, t), DataType.INT64).add(seg.toType(DataType.INT64, false));
        NDArray same = s.expandDims(2).eq(s.expandDims(1));
        NDArray zero = m.zeros(new Shape(b, t, t), dtype);
        NDArray neg = m.full(new Shape(b, t, t), dtype == DataType.FLOAT16 ? -65504f : -Float.MAX_VALUE, dtype);
        return NDArrays.where(same, zero, neg);
    }

    /** {@code base} [T, T] (or null) combined with the same-segment mask (or null) into [B, 1, T, T]. */
    private static NDArray withSegments(NDArray base, NDArray sameSegment) {
        if (sameSegment == null) {
            return base;
        }
        NDArray combined = base == null ? sameSegment : sameSegment.minimum(base);
        return combined.expandDims(1);
    }

    private NDArray layer(LlamaLayer w, int index, NDArray h, int b, int t, NDArray cos, NDArray sin,
            NDArray attnMask, AttentionPattern.ShiftedSparse s2, LlamaKvCache cache, NDManager m, boolean training,
            Moe moe) {
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
            if (attnCap != null) {
                scores = scores.div(attnCap).tanh().mul(attnCap); // Gemma 2: before the mask (spec A.6)
            }
            if (attnMask != null) {
                scores = scores.add(attnMask);
            }
            out = LlamaOps.softmax32(scores).matMul(v);
        }
        NDArray attn = out.transpose(0, 2, 1, 3).reshape(b, t, nH * hd);
        NDArray o = proj[3].apply(attn, training);
        if (spec.sandwichNorms()) {
            // Gemma 2: post_attention_layernorm normalises the attention output, pre/post_feedforward the MLP's.
            h = h.add(rmsNorm(o, w.postNorm()));
            x = rmsNorm(h, preFeedForwardNorms[index]);
            return h.add(rmsNorm(mlp(proj, x, training), postFeedForwardNorms[index]));
        }
        h = h.add(o);
        x = rmsNorm(h, w.postNorm());
        if (moe != null) {
            return h.add(moe.apply(index, x, training, m));
        }
        return h.add(mlp(proj, x, training));
    }

    /** The dense gated MLP: {@code down(act(gate x) ⊙ up x)}, SwiGLU or GeGLU (tanh). */
    private NDArray mlp(LlamaLinear[] proj, NDArray x, boolean training) {
        NDArray g = proj[4].apply(x, training);
        NDArray u = proj[5].apply(x, training);
        return proj[6].apply(activation(g).mul(u), training);
    }

    private NDArray activation(NDArray g) {
        if (!spec.geluTanh()) {
            return LlamaOps.silu(g);
        }
        // gelu_pytorch_tanh: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), from ops (DJL's gelu is the erf form).
        NDArray inner = g.mul(g).mul(g).mul(geluCubic).add(g).mul(geluScale);
        return g.mul(half).mul(inner.tanh().add(one));
    }

    @Override
    public boolean supportsCheckpointing() {
        return !spec.moe() && !layers.isEmpty();
    }

    @Override
    public void setGradientCheckpointing(boolean enabled) {
        if (enabled && !supportsCheckpointing()) {
            throw new LongtuneException("gradient checkpointing is not supported by the " + spec.architecture()
                    + " architecture (a mixture of experts collects its router loss across layers)");
        }
        gradientCheckpointing = enabled;
    }

    /** Whether training forwards run with activation checkpointing ({@link #setGradientCheckpointing}). */
    public boolean gradientCheckpointing() {
        return gradientCheckpointing;
    }

    @Override
    public void completeBackward() {
        Checkpoint c;
        while ((c = pendingCheckpoints.pollLast()) != null) {
            c.backward();
        }
    }

    /** The checkpoint of this forward pass, or null when it runs with a full autograd graph. */
    private Checkpoint checkpoint(ForwardInput input, LlamaKvCache cache, Moe moe, NDManager m, int b, int t,
            NDArray cos, NDArray sin, AttentionPattern.ShiftedSparse s2) {
        if (!gradientCheckpointing || !input.training() || cache != null || moe != null || layers.isEmpty()
                || !JniUtils.isGradMode()) {
            return null; // inference, no collector (e.g. reference log-probs), or decoding
        }
        pendingCheckpoints.removeIf(c -> !c.m.isOpen()); // forwards whose step was abandoned (e.g. a NaN loss)
        return new Checkpoint(m, b, t, cos, sin, s2);
    }

    /**
     * Activation checkpointing of one training forward pass (spec of {@link LanguageModel#setGradientCheckpointing}).
     * Forward: each layer runs with grad mode off in a sub-manager of the pass's manager {@code m}, which is closed
     * right after, so only the layer's output (the next layer's input) stays; the last output becomes a leaf that
     * requires a gradient, and the final norm and head build an ordinary graph from it. Backward: from the top, each
     * layer is recomputed with grad mode on in its own sub-manager from its saved input (made a leaf that requires a
     * gradient), and {@code JniUtils.backward(out, gradOut)} accumulates the layer's parameter gradients and yields
     * the gradient for its input, the {@code gradOut} of the layer below; the embedding output's graph (trainable
     * embeddings) gets the last one. Each layer reseeds torch's generator with the same per-pass seed in both passes,
     * so dropout masks (LoRA dropout) are recomputed identically.
     */
    private final class Checkpoint {
        private final NDManager m;
        private final int b;
        private final int t;
        private final NDArray cos;
        private final NDArray sin;
        private final AttentionPattern.ShiftedSparse s2;
        /** inputs[i]: layer i's input, without a graph; inputs[L]: the last layer's output (a leaf). */
        private final NDArray[] inputs = new NDArray[layers.size() + 1];
        private final NDArray[] masks = new NDArray[layers.size()];
        private final long seed;
        /** The embedding output with its graph (to the embeddings when they train). */
        private NDArray embedded;

        Checkpoint(NDManager m, int b, int t, NDArray cos, NDArray sin, AttentionPattern.ShiftedSparse s2) {
            this.m = m;
            this.b = b;
            this.t = t;
            this.cos = cos;
            this.sin = sin;
            this.s2 = s2;
            try (NDArray r = m.randomInteger(0, Integer.MAX_VALUE, new Shape(), DataType.INT64)) {
                this.seed = r.getLong() * 1024; // drawn from torch's generator: reproducible under a fixed seed
            }
        }

        NDArray forwardLayer(int i, NDArray h, NDArray mask) {
            boolean grad = JniUtils.isGradMode();
            JniUtils.setGradMode(false);
            if (i == 0) {
                embedded = h;
                // A copy made without grad mode is a leaf without a graph. (Not stopGradient: the engine's native
                // detach there leaves the embedding output without its graph, and the embeddings without gradient.)
                h = h.duplicate();
            }
            inputs[i] = h;
            masks[i] = mask;
            try (NDManager s = m.newSubManager()) {
                h.tempAttach(s); // the layer's intermediates attach to s and are freed when it closes
                JniUtils.setSeed(seed + i);
                NDArray out = layer(layers.get(i), i, h, b, t, cos, sin, mask, s2, null, s, true, null);
                out.attach(m);
                return out;
            } finally {
                JniUtils.setGradMode(grad);
            }
        }

        NDArray top(NDArray h) {
            inputs[layers.size()] = h;
            h.setRequiresGradient(true);
            pendingCheckpoints.addLast(this);
            return h;
        }

        void backward() {
            int n = layers.size();
            if (!m.isOpen()) {
                return;
            }
            NDArray gradOut;
            try {
                gradOut = inputs[n].getGradient();
            } catch (IllegalStateException e) {
                return; // the loss did not use these logits: nothing to propagate
            }
            boolean grad = JniUtils.isGradMode();
            JniUtils.setGradMode(true);
            try {
                for (int i = n - 1; i >= 0; i--) {
                    NDArray x = inputs[i];
                    NDArray gradIn;
                    try (NDManager s = m.newSubManager()) {
                        x.tempAttach(s); // the recomputed graph lives in s
                        x.setRequiresGradient(true);
                        JniUtils.setSeed(seed + i);
                        NDArray out = layer(layers.get(i), i, x, b, t, cos, sin, masks[i], s2, null, s, true, null);
                        JniUtils.backward((PtNDArray) out, (PtNDArray) gradOut, false, false);
                        gradIn = x.getGradient();
                        gradIn.attach(m);
                    }
                    gradOut.close();
                    inputs[i + 1].close();
                    inputs[i + 1] = null;
                    gradOut = gradIn;
                }
                // The embedding output has a graph when the embeddings train. (Asked of the parameter, a leaf:
                // JniUtils.requiresGrad reads false for the non-leaf output, and asking a tensor without a graph for
                // its gradient function aborts the JVM.)
                if (embed.hasGradient()) {
                    JniUtils.backward((PtNDArray) embedded, (PtNDArray) gradOut, false, false);
                }
                gradOut.close();
                inputs[0].close();
                inputs[0] = null;
            } finally {
                JniUtils.setGradMode(grad);
                JniUtils.setSeed(seed + n);
            }
        }
    }

    private boolean hasLayerWindows() {
        for (int w : layerWindows) {
            if (w > 0) {
                return true;
            }
        }
        return false;
    }

    /**
     * One forward pass's mixture-of-experts state (Mixtral, spec A.7): routes each token to its top-k experts with
     * fp32 softmax weights renormalised over the k, and collects what the load-balancing loss needs.
     */
    private final class Moe {
        private NDArray probSum; // Σ over layers and tokens of the router softmax [E], fp32
        private final double[] counts = new double[spec.numExperts()]; // Σ over layers, tokens and k of one-hot
        private long rows; // layers · tokens

        NDArray apply(int layer, NDArray in, boolean training, NDManager m) {
            long[] shape = in.getShape().getShape();
            int hidden = (int) shape[shape.length - 1];
            int n = Math.toIntExact(in.getShape().size() / hidden);
            int e = spec.numExperts();
            int k = spec.expertsPerToken();
            NDArray x2 = in.reshape(n, hidden);
            NDArray logits = linear(x2, routers[layer], null);
            NDArray p = LlamaOps.cast(logits, DataType.FLOAT32).softmax(-1);
            float[] pa = p.toFloatArray();
            // Top-k per token (torch.topk order: largest first, ties to the lower index).
            int[][] chosen = new int[n][k];
            List<List<Integer>> tokens = new ArrayList<>();
            for (int x = 0; x < e; x++) {
                tokens.add(new ArrayList<>());
            }
            long[] flat = new long[n * k];
            for (int i = 0; i < n; i++) {
                boolean[] taken = new boolean[e];
                for (int j = 0; j < k; j++) {
                    int best = -1;
                    for (int x = 0; x < e; x++) {
                        if (!taken[x] && (best < 0 || pa[i * e + x] > pa[i * e + best])) {
                            best = x;
                        }
                    }
                    taken[best] = true;
                    chosen[i][j] = best;
                    tokens.get(best).add(i);
                    flat[i * k + j] = (long) i * e + best;
                    counts[best]++;
                }
            }
            // Routing weights: the chosen probabilities, renormalised, cast to the activation dtype.
            NDArray picked = gather(m, flat, new Shape(n, k), p.reshape((long) n * e, 1)).reshape(n, k, 1);
            NDArray weights = picked.div(picked.sum(new int[] {1}, true));
            weights = LlamaOps.cast(weights, in.getDataType()); // on the autograd path: not toType
            // Each expert runs on its own tokens; the outputs are stacked and gathered back per (token, slot).
            List<NDArray> outs = new ArrayList<>();
            int[] offset = new int[e];
            int rowsSoFar = 0;
            for (int x = 0; x < e; x++) {
                offset[x] = rowsSoFar;
                List<Integer> ts = tokens.get(x);
                if (ts.isEmpty()) {
                    continue;
                }
                long[] idx = new long[ts.size()];
                for (int i = 0; i < idx.length; i++) {
                    idx[i] = ts.get(i);
                }
                NDArray xe = gather(m, idx, new Shape(idx.length), x2);
                LlamaLinear[] ex = experts[layer][x];
                NDArray g = ex[0].apply(xe, training);
                NDArray u = ex[1].apply(xe, training);
                outs.add(ex[2].apply(LlamaOps.silu(g).mul(u), training));
                rowsSoFar += idx.length;
            }
            int[] seen = new int[e];
            long[] row = new long[n * k];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < k; j++) {
                    int x = chosen[i][j];
                    row[i * k + j] = offset[x] + seen[x]++;
                }
            }
            NDArray stacked = outs.size() == 1 ? outs.get(0) : NDArrays.concat(new NDList(outs), 0);
            NDArray y = gather(m, row, new Shape(n, k), stacked).mul(weights).sum(new int[] {1});
            if (training) {
                NDArray s = p.sum(new int[] {0});
                probSum = probSum == null ? s : probSum.add(s);
                rows += n;
            }
            return y.reshape(shape);
        }

        /** aux = E · Σ_e (count_e / rows) · (probSum_e / rows) (spec A.7, one concatenation over all layers). */
        void finish(NDManager m) {
            int e = spec.numExperts();
            float[] f = new float[e];
            for (int x = 0; x < e; x++) {
                f[x] = (float) (e * counts[x] / ((double) rows * rows));
            }
            NDArray c = torchOwned(m, m.create(f));
            NDArray aux = probSum.mul(c).sum();
            lastLoadBalancingLoss = aux;
            lastAuxLoss = aux.mul(m.full(new Shape(), (float) spec.routerAuxLossCoef(), DataType.FLOAT32));
        }
    }

    /** Rows {@code table[idx]} (torch embedding, differentiable in the table) for Java indices. */
    private static NDArray gather(NDManager m, long[] idx, Shape shape, NDArray table) {
        NDArray i = torchOwned(m, m.create(idx, shape));
        return i.getNDArrayInternal().embedding(i, table, SparseFormat.DENSE).singletonOrThrow();
    }

    /** A torch-allocated copy of an array made from Java memory (autograd may keep it for the backward pass). */
    private static NDArray torchOwned(NDManager m, NDArray fromJava) {
        NDArray copy = fromJava.duplicate();
        copy.attach(m);
        fromJava.close();
        return copy;
    }

    private NDArray applyRope(NDArray x, NDArray cos, NDArray sinSigned) {
        return LlamaOps.rope(x, cos, sinSigned, lowHalf, highHalf);
    }

    private NDArray rmsNorm(NDArray x, NDArray weight) {
        if (!spec.gemmaNorm()) {
            return LlamaOps.rmsNorm(x, weight, eps);
        }
        // GemmaRMSNorm (spec A.5.2): (x32 / sqrt(mean(x32²) + eps)) · (1 + w.float()) in fp32, then cast.
        NDManager m = x.getManager();
        NDArray x32 = LlamaOps.cast(x, DataType.FLOAT32);
        NDArray w32 = weight.getDataType() == DataType.FLOAT32 ? weight : attached(LlamaOps.cast(weight,
                DataType.FLOAT32), m);
        NDArray gain = attached(w32.add(one), m); // w-first ops land in the parameters' manager: move them
        NDArray y = x32.div(x32.square().mean(new int[] {-1}, true).add(eps).sqrt()).mul(gain);
        return LlamaOps.cast(y, x.getDataType());
    }

    private static NDArray attached(NDArray a, NDManager m) {
        a.attach(m);
        return a;
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
    public void mergeAdapter(Path adapterDirectory) throws IOException {
        ensureOpen();
        PeftAdapterMerger.merge(this, adapterDirectory);
    }

    /** Families llama.cpp runs with its {@code llama} architecture (Mistral's converter maps it there too). */
    private static final java.util.Set<String> GGUF_FAMILIES = java.util.Set.of(LlamaArchitecture.NAME, "mistral");

    @Override
    public java.util.Set<String> exportFormats() {
        return GGUF_FAMILIES.contains(spec.architecture()) ? LlamaGgufExporter.FORMATS
                : LanguageModel.super.exportFormats();
    }

    @Override
    public void export(String format, Path out) throws IOException {
        ensureOpen();
        if (GGUF_FAMILIES.contains(spec.architecture()) && LlamaGgufExporter.handles(format)
                && !"hf".equals(format)) {
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
