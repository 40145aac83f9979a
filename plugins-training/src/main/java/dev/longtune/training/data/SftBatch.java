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
 */
public record SftBatch(int rows, int length, long[] ids, long[] labels, long lossTokens, long inputTokens,
        List<DataRecord> sources) implements MicroBatch {

    /** Input ids {@code [B, T]} int64 in {@code manager}. */
    public NDArray idsArray(NDManager manager) {
        return manager.create(ids, new Shape(rows, length));
    }

    /** Labels {@code [B, T]} int64 in {@code manager}. */
    public NDArray labelsArray(NDManager manager) {
        return manager.create(labels, new Shape(rows, length));
    }
}
