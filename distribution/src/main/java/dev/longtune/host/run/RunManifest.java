package dev.longtune.host.run;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longtune.api.config.OptionsBinder;
import dev.longtune.api.plugin.DiscoveredPlugin;
import dev.longtune.host.Version;
import dev.longtune.host.config.Bound;
import dev.longtune.host.config.ResolvedExperiment;
import dev.longtune.host.plugins.PluginCatalog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;

/**
 * The provenance of a run, written as {@code manifest.json} beside its results (Tribuo's idea): the resolved config,
 * each plugin's name, version, jar and checksum, checksums of the model and data files, seed, DJL/PyTorch versions,
 * device and Longtune's version — enough to trace any number back to what made it and to run it again.
 * Rewritten atomically as the run progresses, so a killed run still says how far it got.
 */
final class RunManifest {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Path file;
    private final ObjectNode root = JSON.createObjectNode();

    RunManifest(Path outputDir) {
        this.file = outputDir.resolve("manifest.json");
    }

    void start(ResolvedExperiment exp, PluginCatalog catalog, List<String> command, Engine engine, Device device,
            DataType dtype) throws IOException {
        root.put("longtune_version", Version.get());
        root.put("status", "running");
        root.put("started_at", Instant.now().toString());
        root.putPOJO("command", command);
        root.put("config_file", exp.source().file().toAbsolutePath().toString());
        root.put("config_sha256", Checksums.sha256(exp.source().file()));
        root.set("resolved_config", OptionsBinder.MAPPER.valueToTree(exp.config()));
        root.put("seed", exp.config().seed());
        ObjectNode env = root.putObject("environment");
        env.put("device", device.toString());
        env.put("dtype", dtype.toString());
        env.put("djl_version", Engine.getDjlVersion());
        env.put("engine", engine.getEngineName());
        env.put("pytorch_version", engine.getVersion());
        env.put("java_version", System.getProperty("java.version"));
        env.put("java_vendor", System.getProperty("java.vendor"));
        env.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch"));
        env.put("available_processors", Runtime.getRuntime().availableProcessors());
        env.put("pytorch_num_threads", System.getProperty("ai.djl.pytorch.num_threads", "default"));

        ArrayNode plugins = root.putArray("plugins");
        for (Bound<?> b : exp.plugins()) {
            DiscoveredPlugin origin = catalog.originOf(b.factory());
            ObjectNode p = plugins.addObject();
            p.put("role", b.yamlPath());
            p.put("name", b.name());
            p.put("version", b.factory().version());
            p.put("factory", b.factory().getClass().getName());
            p.set("options", OptionsBinder.MAPPER.valueToTree(b.options()));
            if (origin != null) {
                p.put("source", origin.source());
                p.put("jar", origin.origin().toString());
                if (Files.isRegularFile(origin.origin())) {
                    p.put("jar_sha256", Checksums.sha256(origin.origin()));
                }
            }
        }
        ObjectNode model = root.putObject("model");
        model.put("path", exp.modelDir().toString());
        model.set("files", filesOf(exp.modelDir()));
        ArrayNode data = root.putArray("data");
        for (var e : new Object[][] {{"train", exp.trainData()}, {"eval", exp.evalData()}}) {
            if (e[1] != null) {
                Path p = (Path) e[1];
                ObjectNode d = data.addObject();
                d.put("role", (String) e[0]);
                d.put("path", p.toString());
                d.put("bytes", Files.size(p));
                d.put("sha256", Checksums.sha256(p));
            }
        }
        write();
    }

    /** Adds or replaces a top-level entry and rewrites the file. */
    void put(String key, Object value) throws IOException {
        root.set(key, JSON.valueToTree(value));
        write();
    }

    void finish(String status, String error) throws IOException {
        root.put("status", status);
        root.put("finished_at", Instant.now().toString());
        if (error != null) {
            root.put("error", error);
        }
        write();
    }

    private static ArrayNode filesOf(Path dir) throws IOException {
        ArrayNode files = JSON.createArrayNode();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path f : s.filter(Files::isRegularFile).sorted().toList()) {
                ObjectNode o = files.addObject();
                o.put("name", f.getFileName().toString());
                o.put("bytes", Files.size(f));
                o.put("sha256", Checksums.sha256(f));
            }
        }
        return files;
    }

    private void write() throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        JSON.writeValue(tmp.toFile(), root);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
