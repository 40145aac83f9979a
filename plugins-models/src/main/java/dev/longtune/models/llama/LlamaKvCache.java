package dev.longtune.models.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.longtune.api.KvCache;
import dev.longtune.api.LongtuneException;

/**
 * Preallocated keys and values {@code [B, nKV, slots, headDim]} per layer, written in place, so native memory
 * does not grow with the number of generated tokens. Keys are stored after RoPE and before repeat_kv (HF layout).
 *
 * <p><b>Rolling.</b> With a sliding window W smaller than the requested capacity the cache holds only
 * {@code slots = W} positions as a ring: position p lives in slot {@code p mod W}. Every query sees at most the W
 * keys {@code (p - W, p]}, so the ring holds everything attention can read, and memory stays at W slots however long
 * the sequence grows. {@link #capacity()} stays the requested (logical) number of positions.
 */
final class LlamaKvCache implements KvCache {

    private final Object owner;
    private final NDManager manager;
    private final NDArray[] keys;
    private final NDArray[] values;
    private final int batch;
    private final int capacity;
    private final int slots;
    private final int window;
    private final boolean rolling;
    private int length;
    private boolean closed;

    /**
     * @param window the sliding window W, or 0 for none; with {@code 0 < W < capacity} the cache is a ring of W slots
     */
    LlamaKvCache(Object owner, NDManager manager, int layers, int batch, int kvHeads, int headDim, int capacity,
            int window, DataType dtype) {
        this.owner = owner;
        this.manager = manager;
        this.batch = batch;
        this.capacity = capacity;
        this.window = window;
        this.rolling = window > 0 && window < capacity;
        this.slots = rolling ? window : capacity;
        this.keys = new NDArray[layers];
        this.values = new NDArray[layers];
        Shape shape = new Shape(batch, kvHeads, slots, headDim);
        for (int i = 0; i < layers; i++) {
            keys[i] = manager.zeros(shape, dtype);
            values[i] = manager.zeros(shape, dtype);
        }
    }

    /** Checks that a forward pass of {@code b x t} tokens fits; called before anything is written. */
    void check(Object model, long b, long t, int patternWindow) {
        if (closed) {
            throw new IllegalStateException("the KV cache was closed");
        }
        if (model != owner) {
            throw new IllegalArgumentException("this KV cache belongs to another model");
        }
        if (b != batch) {
            throw new IllegalArgumentException("input batch " + b + " does not match the cache's batch " + batch);
        }
        if (patternWindow != window) {
            throw new LongtuneException("the KV cache was made for " + describe(window) + " but this forward pass "
                    + "uses " + describe(patternWindow));
        }
        if (length + t > capacity) {
            throw new LongtuneException("the KV cache holds " + capacity + " positions; " + length
                    + " are used and " + t + " more were given");
        }
    }

    private static String describe(int window) {
        return window > 0 ? "a sliding window of " + window : "full causal attention";
    }

    /**
     * How many cached positions (immediately before this call's tokens, in position order) the keys returned by
     * {@link #append} start with, for a call of {@code t > 1} tokens: the mask rows are {@code [visible,
     * visible+t)}.
     */
    int visible() {
        return rolling ? Math.min(length, slots) : length;
    }

    /**
     * Stores {@code k, v [B, nKV, T, hd]} for positions {@code [length, length+T)} of {@code layer} and returns the
     * keys and values the queries attend over, attached to {@code m}:
     * <ul>
     *   <li>not rolling: views of positions {@code [0, length+T)};</li>
     *   <li>rolling, T = 1: the ring's filled slots (in slot order, every one inside the window: no mask needed);
     *   </li>
     *   <li>rolling, T &gt; 1: copies of the {@link #visible()} cached positions in position order followed by the
     *       new ones (the ring is overwritten only after they are copied).</li>
     * </ul>
     */
    NDArray[] append(int layer, NDArray k, NDArray v, NDManager m) {
        int t = (int) k.getShape().get(2);
        if (!rolling) {
            write(layer, length, k, v);
            NDIndex read = seq(0, length + t);
            return new NDArray[] {keys[layer].get(m, read), values[layer].get(m, read)};
        }
        if (t == 1) {
            write(layer, length % slots, k, v);
            NDIndex read = seq(0, Math.min(length + 1, slots));
            return new NDArray[] {keys[layer].get(m, read), values[layer].get(m, read)};
        }
        NDArray[] out = {ordered(keys[layer], m, k), ordered(values[layer], m, v)};
        int n = Math.min(t, slots); // only the last W new positions can ever be seen again
        NDArray kk = n == t ? k : k.get(seq(t - n, t));
        NDArray vv = n == t ? v : v.get(seq(t - n, t));
        int start = (length + t - n) % slots;
        int first = Math.min(n, slots - start);
        write(layer, start, first == n ? kk : kk.get(seq(0, first)), first == n ? vv : vv.get(seq(0, first)));
        if (first < n) {
            write(layer, 0, kk.get(seq(first, n)), vv.get(seq(first, n)));
        }
        return out;
    }

    /** The visible cached positions of {@code ring} in position order, followed by {@code fresh}. */
    private NDArray ordered(NDArray ring, NDManager m, NDArray fresh) {
        int seen = visible();
        if (seen == 0) {
            return fresh;
        }
        NDArray old;
        int start = length <= slots ? 0 : length % slots; // slot of the oldest cached position
        if (start == 0) {
            old = ring.get(m, seq(0, seen));
        } else {
            old = ring.get(m, seq(start, slots)).concat(ring.get(m, seq(0, start)), 2);
        }
        return old.concat(fresh, 2);
    }

    private void write(int layer, int slot, NDArray k, NDArray v) {
        int t = (int) k.getShape().get(2);
        NDIndex at = seq(slot, slot + t);
        keys[layer].set(at, k);
        values[layer].set(at, v);
    }

    private static NDIndex seq(int from, int to) {
        return new NDIndex().addAllDim().addAllDim().addSliceDim(from, to);
    }

    /** Marks {@code t} more positions as filled (after every layer has appended). */
    void advance(int t) {
        length += t;
    }

    /** Allocated positions per layer: the capacity, or the window for a rolling cache. */
    int slots() {
        return slots;
    }

    /** True when the cache is a ring of {@link #slots()} = window positions. */
    boolean rolling() {
        return rolling;
    }

    /** The shape of every layer's key (and value) buffer. */
    Shape bufferShape() {
        return keys[0].getShape();
    }

    /** Native bytes held by the key and value buffers of all layers. */
    long allocatedBytes() {
        long total = 0;
        for (int i = 0; i < keys.length; i++) {
            total += keys[i].size() * keys[i].getDataType().getNumOfBytes();
            total += values[i].size() * values[i].getDataType().getNumOfBytes();
        }
        return total;
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
