package dev.longtune.models.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.longtune.api.KvCache;
import dev.longtune.api.LongtuneException;

/**
 * Preallocated keys and values {@code [B, nKV, capacity, headDim]} per layer, written in place, so native memory
 * does not grow with the number of generated tokens. Keys are stored after RoPE and before repeat_kv (HF layout).
 */
final class LlamaKvCache implements KvCache {

    private final Object owner;
    private final NDManager manager;
    private final NDArray[] keys;
    private final NDArray[] values;
    private final int batch;
    private final int capacity;
    private int length;
    private boolean closed;

    LlamaKvCache(Object owner, NDManager manager, int layers, int batch, int kvHeads, int headDim, int capacity,
            DataType dtype) {
        this.owner = owner;
        this.manager = manager;
        this.batch = batch;
        this.capacity = capacity;
        this.keys = new NDArray[layers];
        this.values = new NDArray[layers];
        Shape shape = new Shape(batch, kvHeads, capacity, headDim);
        for (int i = 0; i < layers; i++) {
            keys[i] = manager.zeros(shape, dtype);
            values[i] = manager.zeros(shape, dtype);
        }
    }

    /** Checks that a forward pass of {@code b x t} tokens fits; called before anything is written. */
    void check(Object model, long b, long t) {
        if (closed) {
            throw new IllegalStateException("the KV cache was closed");
        }
        if (model != owner) {
            throw new IllegalArgumentException("this KV cache belongs to another model");
        }
        if (b != batch) {
            throw new IllegalArgumentException("input batch " + b + " does not match the cache's batch " + batch);
        }
        if (length + t > capacity) {
            throw new LongtuneException("the KV cache holds " + capacity + " positions; " + length
                    + " are used and " + t + " more were given");
        }
    }

    /**
     * Writes {@code k, v [B, nKV, T, hd]} at positions {@code [length, length+T)} of {@code layer} and returns
     * views of all cached keys and values {@code [B, nKV, length+T, hd]} attached to {@code m}.
     */
    NDArray[] append(int layer, NDArray k, NDArray v, NDManager m) {
        int t = (int) k.getShape().get(2);
        NDIndex write = new NDIndex().addAllDim().addAllDim().addSliceDim(length, length + t);
        keys[layer].set(write, k);
        values[layer].set(write, v);
        NDIndex read = new NDIndex().addAllDim().addAllDim().addSliceDim(0, length + t);
        return new NDArray[] {keys[layer].get(m, read), values[layer].get(m, read)};
    }

    /** Marks {@code t} more positions as filled (after every layer has appended). */
    void advance(int t) {
        length += t;
    }

    @Override
    public int length() {
        return length;
    }

    @Override
    public int capacity() {
        return capacity;
    }

    @Override
    public void close() {
        closed = true;
        manager.close();
    }
}
