package dev.longtune.models.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;

/**
 * The additive causal mask {@code [n, n]} (0 where key j <= query i, the dtype's most negative value elsewhere, as
 * transformers fills it), built once from arange comparisons (DJL has no triu) and grown on demand. Forward passes
 * take the {@code [past, past+T) x [0, past+T)} window as a view.
 */
final class CausalMask {

    /** Longest sequence whose full mask is kept (64 MB in fp32); longer ones get a per-call window. */
    private static final int MAX_CACHED = 4096;

    private final DataType dtype;
    private final NDManager buffers;
    private NDArray mask;
    private int size;

    CausalMask(DataType dtype, NDManager buffers) {
        this.dtype = dtype;
        this.buffers = buffers;
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

    private NDArray build(NDManager m, int past, int t) {
        int total = past + t;
        NDArray rows = m.arange(past, total, 1, DataType.INT64).expandDims(1);
        NDArray cols = m.arange(0, total, 1, DataType.INT64).expandDims(0);
        NDArray allowed = rows.gte(cols);
        NDArray zero = m.zeros(new ai.djl.ndarray.types.Shape(t, total), dtype);
        NDArray neg = m.full(new ai.djl.ndarray.types.Shape(t, total), minValue(), dtype);
        return NDArrays.where(allowed, zero, neg);
    }

    private float minValue() {
        return dtype == DataType.FLOAT16 ? -65504f : -Float.MAX_VALUE;
    }

    private void build(int n) {
        try (NDManager tmp = buffers.newSubManager()) {
            NDArray rows = tmp.arange(0, n, 1, DataType.INT64).expandDims(1);
            NDArray cols = tmp.arange(0, n, 1, DataType.INT64).expandDims(0);
            NDArray allowed = rows.gte(cols);
            float min = minValue();
            NDArray zero = tmp.zeros(new ai.djl.ndarray.types.Shape(n, n), dtype);
            NDArray neg = tmp.full(new ai.djl.ndarray.types.Shape(n, n), min, dtype);
            NDArray m = NDArrays.where(allowed, zero, neg);
            m.attach(buffers);
            if (mask != null) {
                mask.close();
            }
            mask = m;
            size = n;
        }
    }
}
