package dev.longtune.training.loop;

import dev.longtune.api.DataRecord;
import java.util.List;

/** What the {@link TrainingLoop} needs to know about a micro-batch, whatever a method puts in it. */
public interface MicroBatch {

    /**
     * Tokens the loss of this batch is summed over. The loop divides the summed loss of an optimiser step by the
     * total over its micro-batches, so it must agree with the {@code tokens} the {@link LossFunction} returns.
     */
    long lossTokens();

    /** Non-padding input tokens, for throughput numbers. */
    long inputTokens();

    /** The records the batch was built from, named when the loss turns NaN. */
    List<DataRecord> sources();
}
