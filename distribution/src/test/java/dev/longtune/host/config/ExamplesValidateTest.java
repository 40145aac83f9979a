package dev.longtune.host.config;

import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.longtune.host.plugins.PluginCatalog;
import dev.longtune.host.plugins.PluginHost;
import dev.longtune.testing.ProjectPaths;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every config shipped in {@code examples/} validates against the built-in plugins (torchtune's test_configs idea).
 * The third-party plugin's example config needs that plugin and is validated by the distribution's integration test.
 */
class ExamplesValidateTest {

    @TestFactory
    Stream<DynamicTest> everyShippedConfigValidates() throws IOException {
        Path examples = ProjectPaths.examples();
        List<Path> configs;
        try (Stream<Path> s = Files.walk(examples)) {
            configs = s.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml"))
                    .filter(p -> !p.startsWith(examples.resolve("third-party-plugin")))
                    .filter(p -> !p.toString().contains("/target/"))
                    .sorted().toList();
        }
        assertFalse(configs.isEmpty(), "examples/ holds configs");
        PluginCatalog catalog = PluginHost.start(null, false);
        return configs.stream().map(p -> DynamicTest.dynamicTest(examples.relativize(p).toString(),
                () -> new ExperimentValidator(catalog).resolve(ConfigLoader.load(p, List.of()))));
    }
}
