package dev.longtune.training.loop;

import java.util.ArrayList;
import java.util.List;

/**
 * Walks the epochs handing out the micro-batches of one optimiser step at a time: {@code accumulation} of them, or
 * fewer at the end of an epoch (an optimiser step never spans two epochs, as in HF's Trainer). Epochs repeat for as
 * long as steps are asked for, so {@code max_steps} may exceed one pass over the data.
 */
final class StepPlan<B extends MicroBatch> {

    private final BatchSource<B> source;
    private final int accumulation;
    private int epoch = -1;
    private List<B> current = List.of();
    private int next;

    StepPlan(BatchSource<B> source, int accumulation) {
        this.source = source;
        this.accumulation = Math.max(1, accumulation);
    }

    /** Optimiser steps in one epoch of {@code batches} micro-batches. */
    static long stepsPerEpoch(int batches, int accumulation) {
        int a = Math.max(1, accumulation);
        return (batches + a - 1) / a;
    }

    /** The epoch the last {@link #next()} came from (0-based). */
    int epoch() {
        return epoch;
    }

    /** Micro-batches of {@link #epoch()} handed out so far: the next step starts at this index. */
    int position() {
        return next;
    }

    /**
     * Continues after a checkpoint: as if every micro-batch of the epochs before {@code epoch} and the first
     * {@code consumed} of {@code epoch} had been handed out. The epoch's batches are rebuilt by the source, whose
     * shuffle is seeded by (seed, epoch), so they are the same as in the interrupted run.
     *
     * @param epoch 0-based; -1 = nothing consumed yet (the plan is left at its start)
     */
    void seek(int epoch, int consumed) {
        if (epoch < 0) {
            return;
        }
        List<B> batches = source.epoch(epoch);
        if (consumed < 0 || consumed > batches.size()) {
            throw new IllegalStateException("cannot continue at micro-batch " + consumed + " of epoch " + epoch
                    + ", which has " + batches.size());
        }
        this.epoch = epoch;
        this.current = batches;
        this.next = consumed;
    }

    List<B> next() {
        if (next >= current.size()) {
            epoch++;
            current = source.epoch(epoch);
            next = 0;
            if (current.isEmpty()) {
                throw new IllegalStateException("epoch " + epoch + " has no batches");
            }
        }
        int end = Math.min(current.size(), next + accumulation);
        List<B> group = new ArrayList<>(current.subList(next, end));
        next = end;
        return group;
    }
}
