package dev.longtune.models.memory;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longtune.api.LanguageModel;
import dev.longtune.api.ModelLoadRequest;
import dev.longtune.api.NoOptions;
import dev.longtune.conformance.Fixtures;
import dev.longtune.models.llama.LlamaArchitecture;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Child-JVM probe for {@link LoadPeakRssTest}: initialises DJL and warms the load path on stories260K, records
 * VmRSS/VmHWM from {@code /proc/self/status}, resets the high-water mark ({@code 5 > /proc/self/clear_refs}), loads
 * the checkpoint in {@code args[0]} as FLOAT32 and records them again. Prints one {@code RESULT k=v ...} line.
 */
public final class LoadPeakRssMain {

    private LoadPeakRssMain() {}

    public static void main(String[] args) throws Exception {
        Path dir = Paths.get(args[0]);
        try (NDManager root = NDManager.newBaseManager(Device.cpu())) {
            // Warm-up: engine, tokenizer native library and the loader's classes are not part of "loading".
            try (LanguageModel warm = load(Fixtures.stories260K(), root)) {
                warm.parameters();
            }
            System.gc();
            Thread.sleep(200);
            Map<String, Long> before = status();
            boolean reset = resetPeak();
            Map<String, Long> afterReset = status();
            long t0 = System.nanoTime();
            try (LanguageModel model = load(dir, root)) {
                long ms = (System.nanoTime() - t0) / 1_000_000;
                Map<String, Long> after = status();
                long bytes = 0;
                for (NDArray a : model.parameters().values()) {
                    bytes += a.getShape().size() * a.getDataType().getNumOfBytes();
                }
                long baseline = before.get("VmRSS");
                long peak = after.get("VmHWM");
                System.out.println("RESULT weightsBytes=" + bytes + " baselineRssKb=" + baseline
                        + " baselineHwmKb=" + before.get("VmHWM") + " peakResetOk=" + reset
                        + " hwmAfterResetKb=" + afterReset.get("VmHWM") + " peakHwmKb=" + peak
                        + " rssAfterKb=" + after.get("VmRSS") + " rssFileAfterKb=" + after.getOrDefault("RssFile", -1L)
                        + " rssAnonAfterKb=" + after.getOrDefault("RssAnon", -1L) + " loadMs=" + ms);
            }
        }
    }

    private static LanguageModel load(Path dir, NDManager root) throws IOException {
        ObjectNode cfg = (ObjectNode) new ObjectMapper().readTree(dir.resolve("config.json").toFile());
        return new LlamaArchitecture().load(new NoOptions(),
                new ModelLoadRequest(dir, cfg, null, DataType.FLOAT32, Device.cpu(), root));
    }

    /** VmRSS, VmHWM, RssAnon, RssFile, ... in kB. */
    static Map<String, Long> status() throws IOException {
        Map<String, Long> out = new LinkedHashMap<>();
        for (String line : Files.readAllLines(Paths.get("/proc/self/status"), StandardCharsets.UTF_8)) {
            if (line.startsWith("Vm") || line.startsWith("Rss")) {
                String[] kv = line.split(":");
                String v = kv[1].trim().split("\\s+")[0];
                out.put(kv[0], Long.parseLong(v));
            }
        }
        return out;
    }

    /** Resets VmHWM to the current RSS (Linux 4.0+); false when not permitted. */
    private static boolean resetPeak() {
        try {
            Files.write(Paths.get("/proc/self/clear_refs"), "5".getBytes(StandardCharsets.US_ASCII));
            return true;
        } catch (IOException | SecurityException e) {
            return false;
        }
    }
}
