package dev.longtune.host.config;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.longtune.api.LongtuneException;
import dev.longtune.api.LongtunePlugin;
import dev.longtune.host.plugins.PluginCatalog;
import dev.longtune.host.plugins.PluginHost;
import dev.longtune.testing.JarBuilder;
import dev.longtune.testing.ProjectPaths;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A context extension declares which architectures it supports; pairing it with another fails at validate time,
 * before any weight is loaded. The extension is a real plugin jar the test compiles.
 */
class UnsupportedPairingTest {

    @TempDir
    Path dir;

    @Test
    void anUnsupportedArchitectureFailsAtValidate() throws Exception {
        String code = """
                package com.example.pairing;
                import dev.longtune.api.*;
                import java.util.*;
                public final class Plugin implements LongtunePlugin {
                    public static final class Factory implements ContextExtensionFactory<NoOptions> {
                        public String name() { return "mistral_only"; }
                        public Class<NoOptions> optionsType() { return NoOptions.class; }
                        public ContextExtension create(NoOptions o) {
                            return new ContextExtension() {
                                public String name() { return "mistral_only"; }
                                public boolean supports(String architecture) { return architecture.equals("mistral"); }
                                public RopeScaling ropeScaling(RopeParameters rope) { return RopeScaling.none(rope); }
                                public int extendedMaxPositions(int original) { return original; }
                                public Map<String, Object> hfRopeScaling(RopeParameters rope) { return Map.of(); }
                            };
                        }
                    }
                    @Override public List<ContextExtensionFactory<?>> contextExtensions() { return List.of(new Factory()); }
                }
                """;
        new JarBuilder().source("com.example.pairing.Plugin", code)
                .resource("META-INF/services/" + LongtunePlugin.class.getName(), "com.example.pairing.Plugin\n")
                .build(dir.resolve("plugins/pairing/pairing.jar"), System.getProperty("java.class.path"));
        PluginCatalog catalog = PluginHost.start(dir.resolve("plugins"), false);
        Path cfg = dir.resolve("exp.yaml");
        Files.writeString(cfg, "model:\n  path: " + ProjectPaths.examples().resolve("models/stories260K")
                + "\ncontext:\n  type: mistral_only\n");
        LongtuneException e = assertThrows(LongtuneException.class,
                () -> new ExperimentValidator(catalog).resolve(ConfigLoader.load(cfg, List.of())));
        assertTrue(e.getMessage().contains("context.type (line 4)"), e.getMessage());
        assertTrue(e.getMessage().contains("'mistral_only' does not support the 'llama' architecture"), e.getMessage());
    }
}
