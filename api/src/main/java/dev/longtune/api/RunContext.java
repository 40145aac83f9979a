package dev.longtune.api;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.Map;

/** What the host gives every plugin during a run: where to write, how to report, which seed and device. */
public interface RunContext {

    /** The run's output folder (exists). */
    Path outputDir();

    /** The run's seed; plugins derive their own generators from it so runs are reproducible. */
    long seed();

    Device device();

    /** The run's root manager; open a sub-manager per step under it. */
    NDManager manager();

    /** A progress display for a task of {@code total} units ({@code total <= 0}: unknown). */
    Progress progress(String task, long total, String unit);

    /** Where per-step and per-evaluation numbers go. */
    MetricsSink metrics();

    /** Turns a dataset record into prompt and completion text with the run's data format and template. */
    PromptCompletion format(DataRecord record);

    /** A progress display: a bar with rate and ETA on a terminal, periodic log lines otherwise. */
    interface Progress extends AutoCloseable {

        /** Advances by {@code units}; {@code status} (loss, lr, ...) is shown beside the bar. */
        void advance(long units, Map<String, ?> status);

        @Override
        void close();
    }

    /** Appends metric rows (one JSON object per line) to {@code metrics/<stream>.jsonl} in the output folder. */
    interface MetricsSink {

        void record(String stream, Map<String, ?> row);
    }
}
