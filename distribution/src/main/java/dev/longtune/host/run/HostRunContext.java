package dev.longtune.host.run;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.longtune.api.DataRecord;
import dev.longtune.api.PromptCompletion;
import dev.longtune.api.RunContext;
import dev.longtune.api.data.PromptFormats;
import java.io.PrintStream;
import java.nio.file.Path;

/** The {@link RunContext} the host gives plugins during {@code longtune run}. */
final class HostRunContext implements RunContext, AutoCloseable {

    private final Path outputDir;
    private final long seed;
    private final Device device;
    private final NDManager manager;
    private final JsonlMetrics metrics;
    private final String dataFormat;
    private final PrintStream console;
    private final boolean interactive;

    HostRunContext(Path outputDir, long seed, Device device, String dataFormat, PrintStream console) {
        this.outputDir = outputDir;
        this.seed = seed;
        this.device = device;
        this.manager = NDManager.newBaseManager(device);
        this.metrics = new JsonlMetrics(outputDir.resolve("metrics"));
        this.dataFormat = dataFormat;
        this.console = console;
        this.interactive = System.console() != null && System.getenv("CI") == null;
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
        return device;
    }

    @Override
    public NDManager manager() {
        return manager;
    }

    @Override
    public Progress progress(String task, long total, String unit) {
        return new ConsoleProgress(console, task, total, unit, interactive, 5_000_000_000L);
    }

    @Override
    public JsonlMetrics metrics() {
        return metrics;
    }

    @Override
    public PromptCompletion format(DataRecord record) {
        return PromptFormats.format(dataFormat, record);
    }

    @Override
    public void close() {
        metrics.close();
        manager.close();
    }
}
