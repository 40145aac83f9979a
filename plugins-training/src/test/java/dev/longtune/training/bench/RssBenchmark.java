package dev.longtune.training.bench;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longtune.api.DataRecord;
import dev.longtune.api.LanguageModel;
import dev.longtune.api.ModelLoadRequest;
import dev.longtune.api.RunContext;
import dev.longtune.api.TrainingJob;
import dev.longtune.api.TrainingOutcome;
import dev.longtune.api.config.DataConfig;
import dev.longtune.api.config.TrainingConfig;
import dev.longtune.api.data.DataFiles;
import dev.longtune.conformance.Fixtures;
import dev.longtune.conformance.TestRunContext;
import dev.longtune.models.llama.LlamaArchitecture;
import dev.longtune.training.sft.SftMethod;
import dev.longtune.training.sft.SftOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Native memory over a long real run (issue 5: "RSS flat over 1,000 steps"). Not a unit test: run it by hand,
 * results go to {@code benchmarks/README.md}. SFT of stories260K on the bundled quickstart data through the real
 * method and loop ({@code SftMethod} → {@code TrainingLoop}), {@code VmRSS} of {@code /proc/self/status} sampled
 * after every 50th step (and once before training), the Java heap after a GC next to it, so a native leak cannot hide
 * behind the JVM's own growth.
 *
 * <pre>
 * ./mvnw -B -o -q test-compile -pl plugins-training
 * java -cp "$(cat cp.txt):plugins-training/target/classes:plugins-training/target/test-classes" \
 *     -Dai.djl.offline=true dev.longtune.training.bench.RssBenchmark \
 *     [steps] [float32|float16] [full|lora] [batch] [max_length]
 * </pre>
 *
 * Prints one Markdown table row per sample and a summary: RSS at step 50 (after warm-up: libtorch's allocator
 * caches and the JIT have settled) against the last and the maximum, and the least-squares slope in kB per 100
 * steps over the samples from step 100 on.
 */
public final class RssBenchmark {

    private RssBenchmark() {}

    public static void main(String[] args) throws Exception {
        int steps = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        DataType dtype = args.length > 1 && args[1].equals("float16") ? DataType.FLOAT16 : DataType.FLOAT32;
        String trains = args.length > 2 ? args[2] : "full";
        int batch = args.length > 3 ? Integer.parseInt(args[3]) : 8;
        int maxLength = args.length > 4 ? Integer.parseInt(args[4]) : 256;
        int every = 50;

        Path out = Files.createTempDirectory("rss-bench");
        List<DataRecord> train = DataFiles.read(Fixtures.projectRoot().resolve("examples/data/quickstart-train.jsonl"));
        DataConfig data = new DataConfig(null, null, null, "alpaca", maxLength, null, null);
        TrainingConfig cfg = new TrainingConfig(null, steps, batch, 1, 1e-3, "cosine", 20, 0.0, 0.1, 0.01, null, null,
                null, 1.0, every, 0, null, 2, null);
        ObjectMapper json = new ObjectMapper();
        SftOptions options = "lora".equals(trains)
                ? new SftOptions(null, null, json.readTree("{\"type\": \"lora\", \"r\": 8, \"alpha\": 16, "
                        + "\"target_modules\": \"all-linear\"}"))
                : SftOptions.defaults();

        List<long[]> samples = new ArrayList<>(); // step, rss kB, heap kB
        System.out.printf("RssBenchmark: stories260K, %d quickstart records, %s, trains %s, %d steps, batch %d, "
                + "max_length %d, %s, torch threads %s%n", train.size(), dtype, trains, steps, batch, maxLength,
                Engine.getInstance().getEngineName() + " " + Engine.getInstance().getVersion(),
                System.getProperty("ai.djl.pytorch.num_threads", "default"));
        System.out.println("| step | VmRSS (MB) | Java heap used after GC (MB) |");
        System.out.println("|---:|---:|---:|");
        long t0 = System.nanoTime();
        RssSampler sampler = new RssSampler(samples);
        try (TestRunContext ctx = new TestRunContext(out, 42L, "alpaca", sampler);
                LanguageModel model = load(ctx.manager(), dtype)) {
            sampler.sample(0);
            TrainingOutcome o = new SftMethod(options).train(new TrainingJob(model, train, List.of(), data, cfg,
                    ctx));
            double seconds = (System.nanoTime() - t0) / 1e9;
            long first = samples.stream().filter(s -> s[0] == every).findFirst().orElse(samples.get(0))[1];
            long last = samples.get(samples.size() - 1)[1];
            long max = samples.stream().filter(s -> s[0] >= every).mapToLong(s -> s[1]).max().orElse(first);
            System.out.printf("%nsteps %d in %.0f s (%.0f ms/step), final window loss %.4f%n", o.steps(), seconds,
                    1000 * seconds / o.steps(), o.finalLoss());
            System.out.printf("VmRSS at step %d: %.1f MB, at step %d: %.1f MB (%+.1f MB), max from step %d: %.1f MB%n",
                    every, first / 1024.0, samples.get(samples.size() - 1)[0], last / 1024.0,
                    (last - first) / 1024.0, every, max / 1024.0);
            System.out.printf("least-squares slope from step 100: %+.1f kB per 100 steps%n", slope(samples, 100));
        }
    }

    static LanguageModel load(NDManager parent, DataType dtype) throws IOException {
        Path dir = Fixtures.stories260K();
        ObjectNode config = (ObjectNode) new ObjectMapper().readTree(dir.resolve("config.json").toFile());
        return new LlamaArchitecture().loadLlama(new ModelLoadRequest(dir, config, null, dtype, Device.cpu(),
                parent));
    }

    /** Slope of RSS (kB) against step, per 100 steps, over the samples at or after {@code from}. */
    static double slope(List<long[]> samples, long from) {
        double n = 0;
        double sx = 0;
        double sy = 0;
        double sxx = 0;
        double sxy = 0;
        for (long[] s : samples) {
            if (s[0] < from) {
                continue;
            }
            n++;
            sx += s[0];
            sy += s[1];
            sxx += (double) s[0] * s[0];
            sxy += (double) s[0] * s[1];
        }
        double d = n * sxx - sx * sx;
        return d == 0 ? Double.NaN : 100 * (n * sxy - sx * sy) / d;
    }

    static long rssKb() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }

    /**
     * Samples memory at every metric row of the {@code train} stream (and at step 0 by hand). Given to the
     * conformance kit's run context as its metrics sink, so no row is kept in memory during the measured run.
     */
    private static final class RssSampler implements RunContext.MetricsSink {

        private final List<long[]> samples;

        RssSampler(List<long[]> samples) {
            this.samples = samples;
        }

        void sample(long step) {
            System.gc();
            Runtime rt = Runtime.getRuntime();
            long heap = (rt.totalMemory() - rt.freeMemory()) / 1024;
            try {
                long rss = rssKb();
                samples.add(new long[] {step, rss, heap});
                System.out.printf("| %d | %.1f | %.1f |%n", step, rss / 1024.0, heap / 1024.0);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void record(String stream, Map<String, ?> row) {
            if (stream.equals("train")) {
                sample(((Number) row.get("step")).longValue());
            }
        }
    }
}
