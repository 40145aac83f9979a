package dev.longtune.conformance;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.longtune.api.DataRecord;
import dev.longtune.api.PromptCompletion;
import dev.longtune.api.RunContext;
import dev.longtune.api.data.PromptFormats;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@link RunContext} for plugin tests: CPU, a fixed seed, an output folder the test chooses, and metrics kept in
 * memory so assertions can read them. Close it to free its manager.
 */
public final class TestRunContext implements RunContext, AutoCloseable {

    private final Path outputDir;
    private final long seed;
    private final String dataFormat;
    private final NDManager manager = NDManager.newBaseManager(Device.cpu());
    private final Map<String, List<Map<String, Object>>> metrics = Collections.synchronizedMap(new LinkedHashMap<>());
    private final MetricsSink sink;

    public TestRunContext(Path outputDir) {
        this(outputDir, 42L, "auto");
    }

    public TestRunContext(Path outputDir, long seed, String dataFormat) {
        this(outputDir, seed, dataFormat, null);
    }

    /**
     * With metric rows sent to {@code sink} instead of kept in memory ({@link #rows} then stays empty): for child
     * processes that must write real JSONL files, and for long runs whose memory is being measured.
     */
    public TestRunContext(Path outputDir, long seed, String dataFormat, MetricsSink sink) {
        this.outputDir = outputDir;
        this.seed = seed;
        this.dataFormat = dataFormat;
        this.sink = sink;
    }

    @Override
    public Path outputDir() {
        return outputDir;
    }

    @Override
    public long seed() {
        return seed;
    }

    @Override
    public Device device() {
        return Device.cpu();
    }

    @Override
    public NDManager manager() {
        return manager;
    }

    @Override
    public Progress progress(String task, long total, String unit) {
        return new Progress() {
            @Override
            public void advance(long units, Map<String, ?> status) {}

            @Override
            public void close() {}
        };
    }

    @Override
    public MetricsSink metrics() {
        if (sink != null) {
            return sink;
        }
        return (stream, row) -> metrics.computeIfAbsent(stream, k -> new ArrayList<>()).add(new LinkedHashMap<>(row));
    }

    @Override
    public PromptCompletion format(DataRecord record) {
        return PromptFormats.format(dataFormat, record);
    }

    /** Rows recorded on {@code stream} so far. */
    public List<Map<String, Object>> rows(String stream) {
        return metrics.getOrDefault(stream, List.of());
    }

    @Override
    public void close() {
        manager.close();
    }
}
