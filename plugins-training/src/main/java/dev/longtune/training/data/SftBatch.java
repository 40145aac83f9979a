package dev.longtune.training.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.longtune.api.DataRecord;
import dev.longtune.training.loop.MicroBatch;
import java.util.List;

/**
 * A right-padded micro-batch of SFT examples, kept as Java arrays until a step turns it into tensors in its own
 * manager.
 *
 * @param ids {@code [B * T]} row-major, padded with the pad id
 * @param labels {@code [B * T]} row-major, padded with -100
 * @param positions for packed rows ({@link Packing}): {@code [B * T]} positions restarting at 0 per example, else
 *     {@code null}
 * @param segments for packed rows: {@code [B * T]} segment (example) ids within each row, else {@code null}
 */
public record SftBatch(int rows, int length, long[] ids, long[] labels, long lossTokens, long inputTokens,
        List<DataRecord> sources, long[] positions, long[] segments) implements MicroBatch {

    /** An unpacked batch (one example per row, positions 0..T-1). */
    public SftBatch(int rows, int length, long[] ids, long[] labels, long lossTokens, long inputTokens,
            List<DataRecord> sources) {
        this(rows, length, ids, labels, lossTokens, inputTokens, sources, null, null);
    }

    /** Whether the rows are packed (carry positions and segment ids). */
    public boolean packed() {
        return segments != null;
    }

    /** Positions {@code [B, T]} int64 in {@code manager} (packed batches only). */
    public NDArray positionsArray(NDManager manager) {
        return manager.create(positions, new Shape(rows, length));
    }

    /** Segment ids {@code [B, T]} int64 in {@code manager} (packed batches only). */
    public NDArray segmentsArray(NDManager manager) {
        return manager.create(segments, new Shape(rows, length));
    }

    /** Input ids {@code [B, T]} int64 in {@code manager}. */
    public NDArray idsArray(NDManager manager) {
        return manager.create(ids, new Shape(rows, length));
    }

    /** Labels {@code [B, T]} int64 in {@code manager}. */
    public NDArray labelsArray(NDManager manager) {
        return manager.create(labels, new Shape(rows, length));
    }
}
