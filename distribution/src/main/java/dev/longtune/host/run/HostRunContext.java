package dev.longtune.host.run;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.longtune.api.DataRecord;
import dev.longtune.api.PromptCompletion;
import dev.longtune.api.RunContext;
import dev.longtune.api.data.PreferenceRecords;
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

    /**
     * Prompt and completion of a record for evaluators and samples: instruction formats as they are; a preference
     * record (named format, or detected under {@code auto}) as its prompt and chosen answer.
     */
    @Override
    public PromptCompletion format(DataRecord record) {
        if (!"auto".equals(dataFormat) && PreferenceRecords.NAMES.contains(dataFormat)) {
            return PreferenceRecords.read(dataFormat, record, null).chosenPair();
        }
        if ("auto".equals(dataFormat) && isPreference(record)) {
            return PreferenceRecords.read("auto", record, null).chosenPair();
        }
        return PromptFormats.format(dataFormat, record);
    }

    private static boolean isPreference(DataRecord record) {
        var f = record.fields();
        return (f.has("chosen") && f.has("rejected")) || (f.has("response_j") && f.has("response_k"));
    }

    @Override
    public void close() {
        metrics.close();
        manager.close();
    }
}
