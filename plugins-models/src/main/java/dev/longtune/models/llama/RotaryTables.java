package dev.longtune.models.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.longtune.api.RopeScaling;
import java.util.Arrays;

/**
 * cos and (signed) sin tables of the rotary embedding, {@code [positions, headDim]}, computed once in fp32 and
 * kept in the model's buffer manager; forward passes take views of them.
 *
 * <p>HF's {@code rotate_half(x)·sin} equals {@code swapHalves(x)·sinSigned} with {@code sinSigned = [-sin, +sin]}
 * (sign flips are exact), which saves a negation per call. Both tables are multiplied by the strategy's attention
 * factor, as transformers does.
 */
final class RotaryTables {

    /**
     * Tables grow lazily (doubling) up to this many positions or the model's context, whichever is larger; rows past
     * it (a rolling-cache generation running far beyond the context) are computed per call, so memory stays bounded
     * however long generation runs.
     */
    static final int MAX_TABLE_POSITIONS = 16384;

    private final RopeScaling scaling;
    private final int headDim;
    private final int minCapacity;
    private final DataType dtype;
    private final NDManager buffers;

    private float[] invFreq;
    private int capacity;
    private NDArray cos;
    private NDArray sinSigned;

    RotaryTables(RopeScaling scaling, int headDim, int minCapacity, DataType dtype, NDManager buffers) {
        this.scaling = scaling;
        this.headDim = headDim;
        this.minCapacity = minCapacity;
        this.dtype = dtype;
        this.buffers = buffers;
    }

    /**
     * Tables covering positions {@code [0, positions)} for a sequence of {@code sequenceLength} tokens (the length
     * only matters for strategies like dynamic NTK). Returns {cos, sinSigned}, owned by this object.
     */
    synchronized NDArray[] tables(int positions, int sequenceLength) {
        float[] inv = scaling.inverseFrequencies(sequenceLength);
        if (inv.length * 2 != headDim) {
            throw new IllegalStateException("rope scaling returned " + inv.length + " frequencies for head_dim "
                    + headDim);
        }
        if (cos == null || positions > capacity || !Arrays.equals(inv, invFreq)) {
            int cap = Math.max(Math.max(positions, minCapacity), cos == null ? 0 : capacity);
            if (cos != null && positions > capacity) {
                cap = Math.max(cap, capacity * 2);
            }
            cap = Math.max(positions, Math.min(cap, Math.max(MAX_TABLE_POSITIONS, minCapacity)));
            build(inv, cap);
        }
        return new NDArray[] {cos, sinSigned};
    }

    /**
     * {cos, sinSigned} rows for positions {@code [from, to)}, attached to {@code m}: views of the tables while
     * {@code to} fits {@link #MAX_TABLE_POSITIONS} (or the initial capacity), otherwise computed for just these rows.
     */
    synchronized NDArray[] rows(NDManager m, int from, int to, int sequenceLength) {
        if (to <= Math.max(MAX_TABLE_POSITIONS, minCapacity)) {
            NDArray[] t = tables(to, sequenceLength);
            ai.djl.ndarray.index.NDIndex rows = new ai.djl.ndarray.index.NDIndex().addSliceDim(from, to);
            return new NDArray[] {t[0].get(m, rows), t[1].get(m, rows)};
        }
        float[] inv = scaling.inverseFrequencies(sequenceLength);
        float[][] cs = compute(inv, from, to);
        return new NDArray[] {owned(m, cs[0], to - from), owned(m, cs[1], to - from)};
    }

    /** cos and signed sin for positions {@code [from, to)}, row-major {@code [to-from, headDim]}. */
    private float[][] compute(float[] inv, int from, int to) {
        int half = headDim / 2;
        float factor = scaling.attentionFactor();
        int n = to - from;
        float[] c = new float[n * headDim];
        float[] s = new float[n * headDim];
        for (int r = 0; r < n; r++) {
            int t = from + r;
            for (int i = 0; i < half; i++) {
                // fp32 product like HF's fp32 matmul of positions by inv_freq; cos/sin of that float angle.
                float angle = (float) t * inv[i];
                float cv = (float) Math.cos(angle) * factor;
                float sv = (float) Math.sin(angle) * factor;
                c[r * headDim + i] = cv;
                c[r * headDim + half + i] = cv;
                s[r * headDim + i] = -sv;
                s[r * headDim + half + i] = sv;
            }
        }
        return new float[][] {c, s};
    }

    /**
     * A torch-owned copy in the compute dtype: {@code create(float[])} aliases a Java buffer, and autograd keeps cos
     * and sin for the backward pass, so a table replaced (grown) between forward and backward must not take its
     * storage with it.
     */
    private NDArray owned(NDManager m, float[] data, int rows) {
        try (NDArray java = m.create(data, new Shape(rows, headDim))) {
            return dtype != DataType.FLOAT32 ? java.toType(dtype, false) : java.duplicate();
        }
    }

    private void build(float[] inv, int cap) {
        float[][] cs = compute(inv, 0, cap);
        if (cos != null) {
            cos.close();
            sinSigned.close();
        }
        cos = owned(buffers, cs[0], cap);
        sinSigned = owned(buffers, cs[1], cap);
        invFreq = inv.clone();
        capacity = cap;
    }

    boolean dependsOnSequenceLength() {
        return scaling.dependsOnSequenceLength();
    }
}
