package dev.longtune.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.longtune.testing.JarBuilder;
import dev.longtune.testing.Launcher;
import dev.longtune.testing.ProjectPaths;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * examples/third-party-plugin, compiled against nothing but the API jar and the libraries the host shares, dropped
 * into a distribution's plugins/ folder: {@code longtune plugins} lists it and a config uses it.
 */
class ThirdPartyPluginIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path work;

    @Test
    void aPluginJarDroppedIntoPluginsIsListedAndUsable() throws Exception {
        Path dist = ProjectPaths.distribution();
        Path example = ProjectPaths.examples().resolve("third-party-plugin");

        // A distribution of our own whose plugins/ folder we may write to: bin/ and lib/ linked, the rest copied.
        Path home = work.resolve("longtune");
        Files.createDirectories(home.resolve("plugins/distinct-ngrams"));
        Files.createSymbolicLink(home.resolve("lib"), dist.resolve("lib"));
        Files.createSymbolicLink(home.resolve("examples"), dist.resolve("examples"));
        Files.createDirectories(home.resolve("bin"));
        Files.copy(dist.resolve("bin/longtune"), home.resolve("bin/longtune"));
        home.resolve("bin/longtune").toFile().setExecutable(true);

        new JarBuilder().sourceTree(example.resolve("src/main/java")).resourceTree(example.resolve("src/main/resources"))
                .build(home.resolve("plugins/distinct-ngrams/distinct-ngrams-plugin-1.0.0.jar"), apiOnlyClassPath(dist));

        Launcher.Result plugins = Launcher.run(home, work, 60, "plugins");
        assertEquals(0, plugins.code(), plugins.describe());
        String row = plugins.out().lines().filter(l -> l.contains("distinct_ngrams")).findFirst().orElse("");
        assertTrue(row.contains("evaluator") && row.contains("plugins/distinct-ngrams")
                && row.contains("distinct-ngrams-plugin-1.0.0.jar"), plugins.describe());

        Path out = work.resolve("run");
        Launcher.Result run = Launcher.run(home, work, 300, "run",
                home.resolve("examples/third-party-plugin/example.yaml").toString(), "--set", "output=" + out);
        assertEquals(0, run.code(), run.describe());
        JsonNode results = JSON.readTree(out.resolve("results.json").toFile());
        double distinct = results.at("/metrics/distinct_ngrams~1eval/distinct_2").asDouble(-1);
        assertTrue(distinct > 0 && distinct <= 1, results.toString());
        JsonNode manifest = JSON.readTree(out.resolve("manifest.json").toFile());
        assertTrue(manifest.toString().contains("plugins/distinct-ngrams"), manifest.toString());
    }

    /** The API jar plus what it exposes (DJL api, Jackson, SLF4J): what a plugin may compile against. */
    static String apiOnlyClassPath(Path dist) throws IOException {
        try (Stream<Path> s = Files.list(dist.resolve("lib"))) {
            List<Path> jars = s.filter(p -> {
                String n = p.getFileName().toString();
                return n.startsWith("longtune-api-") || n.startsWith("api-") || n.startsWith("jackson-")
                        || n.startsWith("slf4j-api-");
            }).sorted().toList();
            return jars.stream().map(Path::toString).collect(Collectors.joining(java.io.File.pathSeparator));
        }
    }
}
