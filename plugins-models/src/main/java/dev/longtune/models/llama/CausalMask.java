package dev.longtune.models.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * The additive causal mask {@code [n, n]} (0 where key j may be seen by query i, the dtype's most negative value
 * elsewhere, as transformers fills it), optionally with a sliding window: query i sees keys {@code i - window < j <= i}
 * (HF's convention, spec A.3: exactly {@code window} keys including itself). Built once from arange comparisons (DJL
 * has no triu) and grown on demand. The mask depends only on {@code i - j}, so a forward pass whose keys are the
 * {@code past} positions before its {@code t} queries takes the {@code [past, past+t) x [0, past+t)} window as a view.
 */
final class CausalMask {

    /** Longest sequence whose full mask is kept (64 MB in fp32); longer ones get a per-call window. */
    private static final int MAX_CACHED = 4096;

    private final DataType dtype;
    private final NDManager buffers;
    private final int window;
    private NDArray mask;
    private int size;

    /** A plain causal mask. */
    CausalMask(DataType dtype, NDManager buffers) {
        this(dtype, buffers, Integer.MAX_VALUE);
    }

    /** A causal mask that also hides keys {@code window} or more positions behind the query. */
    CausalMask(DataType dtype, NDManager buffers, int window) {
        this.dtype = dtype;
        this.buffers = buffers;
        this.window = window;
    }

    /** The mask rows for queries at {@code [past, past+t)} over keys {@code [0, past+t)}, attached to {@code m}. */
    synchronized NDArray window(NDManager m, int past, int t) {
        int total = past + t;
        if (total > MAX_CACHED) {
            return build(m, past, t); // an n x n table would cost n^2 floats; make just this window
        }
        if (mask == null || total > size) {
            build(Math.min(MAX_CACHED, Math.max(total, size * 2)));
        }
        return mask.get(m, new NDIndex().addSliceDim(past, total).addSliceDim(0, total));
    }

    private float minValue() {
        return dtype == DataType.FLOAT16 ? -65504f : -Float.MAX_VALUE;
    }

    /** Rows {@code [past, past+t)} over columns {@code [0, past+t)}, in {@code m}; torch-owned (no Java buffers). */
    private NDArray build(NDManager m, int past, int t) {
        int total = past + t;
        try (NDManager tmp = m.newSubManager()) {
            NDArray rows = tmp.arange(past, total, 1, DataType.INT64).expandDims(1);
            NDArray cols = tmp.arange(0, total, 1, DataType.INT64).expandDims(0);
            NDArray allowed = rows.gte(cols);
            if (window < total) {
                allowed = allowed.logicalAnd(rows.sub(cols).lt(window));
            }
            NDArray zero = tmp.zeros(new Shape(t, total), dtype);
            NDArray neg = tmp.full(new Shape(t, total), minValue(), dtype);
            NDArray out = NDArrays.where(allowed, zero, neg);
            out.attach(m);
            return out;
        }
    }

    private void build(int n) {
        NDArray m = build(buffers, 0, n);
        if (mask != null) {
            mask.close();
        }
        mask = m;
        size = n;
    }
}
