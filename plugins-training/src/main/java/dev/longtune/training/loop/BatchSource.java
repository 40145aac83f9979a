package dev.longtune.training.loop;

import java.util.List;

/**
 * The micro-batches of each epoch, in training order. Implementations reshuffle per epoch with a generator derived
 * from the run's seed, so a run is reproducible.
 *
 * @param <B> the method's micro-batch type
 */
public interface BatchSource<B extends MicroBatch> {

    /** Micro-batches per epoch (the same for every epoch). */
    int batchesPerEpoch();

    /** The micro-batches of epoch {@code epoch} (0-based). */
    List<B> epoch(int epoch);
}
