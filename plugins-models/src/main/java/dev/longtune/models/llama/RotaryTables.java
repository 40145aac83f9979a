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
            build(inv, cap);
        }
        return new NDArray[] {cos, sinSigned};
    }

    private void build(float[] inv, int cap) {
        int half = headDim / 2;
        float factor = scaling.attentionFactor();
        float[] c = new float[cap * headDim];
        float[] s = new float[cap * headDim];
        for (int t = 0; t < cap; t++) {
            for (int i = 0; i < half; i++) {
                // fp32 product like HF's fp32 matmul of positions by inv_freq; cos/sin of that float angle.
                float angle = (float) t * inv[i];
                float cv = (float) Math.cos(angle) * factor;
                float sv = (float) Math.sin(angle) * factor;
                c[t * headDim + i] = cv;
                c[t * headDim + half + i] = cv;
                s[t * headDim + i] = -sv;
                s[t * headDim + half + i] = sv;
            }
        }
        if (cos != null) {
            cos.close();
            sinSigned.close();
        }
        NDArray c32 = buffers.create(c, new Shape(cap, headDim));
        NDArray s32 = buffers.create(s, new Shape(cap, headDim));
        if (dtype != DataType.FLOAT32) {
            // transformers rounds cos/sin to the activation dtype before use.
            cos = c32.toType(dtype, false);
            sinSigned = s32.toType(dtype, false);
            c32.close();
            s32.close();
        } else {
            cos = c32;
            sinSigned = s32;
        }
        invFreq = inv.clone();
        capacity = cap;
    }

    boolean dependsOnSequenceLength() {
        return scaling.dependsOnSequenceLength();
    }
}
