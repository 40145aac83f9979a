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
