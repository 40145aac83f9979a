package dev.longtune.training.objectives;

import dev.longtune.api.RunContext;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code aux_loss} metric of methods whose loss the loop logs alone (sft): the mean auxiliary term of the
 * training micro-batches of each logging window, one row {@code {step, aux_loss}} in stream {@code aux_loss} every
 * {@code training.log_every} optimiser steps and at the last step. Nothing is written for models without the term.
 * Steps are counted from this run's first step (after a resume, from the resumed step onwards, numbered from 1).
 */
public final class AuxLossLog {

    /** The metrics stream. */
    public static final String STREAM = "aux_loss";

    private final RunContext.MetricsSink sink;
    private final int logEvery;
    private final long total;
    private long step;
    private double sum;
    private long count;
    private double last = Double.NaN;

    public AuxLossLog(RunContext.MetricsSink sink, int logEvery, long total) {
        this.sink = sink;
        this.logEvery = Math.max(1, logEvery);
        this.total = total;
    }

    /** One training micro-batch's term, {@code NaN} when it had none. */
    public void add(double value, boolean endsStep) {
        if (!Double.isNaN(value)) {
            sum += value;
            count++;
        }
        if (endsStep) {
            step++;
            if ((step % logEvery == 0 || step == total) && count > 0) {
                last = sum / count;
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("step", step);
                row.put("aux_loss", last);
                sink.record(STREAM, row);
                sum = 0;
                count = 0;
            }
        }
    }

    /** The mean of the last window written ({@code NaN} when none was). */
    public double last() {
        return last;
    }
}
