package dev.longtune.host.plugins;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.longtune.api.LongtuneException;
import dev.longtune.api.LongtunePlugin;
import dev.longtune.api.PluginFamily;
import dev.longtune.api.plugin.PluginClassLoader;
import dev.longtune.testing.JarBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Discovery from plugins/ folders, with real jars compiled by the test. */
class PluginFolderTest {

    private static final String CP = System.getProperty("java.class.path");
    private static final String SERVICE = "META-INF/services/" + LongtunePlugin.class.getName();

    @TempDir
    Path plugins;

    /** A plugin contributing one evaluator (or context extension) named {@code name}. */
    private static JarBuilder plugin(String pkg, String family, String name) {
        String factoryType = family.equals("context") ? "ContextExtensionFactory" : "EvaluatorFactory";
        String product = family.equals("context") ? "ContextExtension" : "Evaluator";
        String list = family.equals("context") ? "contextExtensions" : "evaluators";
        String code = """
                package PKG;
                import dev.longtune.api.*;
                import java.util.List;
                public final class Plugin implements LongtunePlugin {
                    public static final class Factory implements FACTORY<NoOptions> {
                        public String name() { return "NAME"; }
                        public Class<NoOptions> optionsType() { return NoOptions.class; }
                        public PRODUCT create(NoOptions o) { throw new UnsupportedOperationException(); }
                    }
                    @Override public List<FACTORY<?>> LIST() { return List.of(new Factory()); }
                }
                """.replace("PKG", pkg).replace("FACTORY", factoryType).replace("PRODUCT", product)
                .replace("LIST", list).replace("NAME", name);
        return new JarBuilder().source(pkg + ".Plugin", code).resource(SERVICE, pkg + ".Plugin\n");
    }

    @Test
    void aPluginFolderIsDiscoveredInItsOwnClassLoader() throws IOException {
        plugin("com.example.good", "evaluator", "good_eval").build(plugins.resolve("good/good.jar"), CP);
        PluginCatalog catalog = PluginHost.start(plugins, false);
        assertTrue(catalog.names(PluginFamily.EVALUATOR).contains("good_eval"));
        assertTrue(catalog.names(PluginFamily.EVALUATOR).contains("perplexity"), "built-ins still there");
        var factory = catalog.find(PluginFamily.EVALUATOR, "good_eval").orElseThrow();
        ClassLoader loader = factory.getClass().getClassLoader();
        assertInstanceOf(PluginClassLoader.class, loader);
        var entry = catalog.entries().stream().filter(e -> e.name().equals("good_eval")).findFirst().orElseThrow();
        assertEquals("plugins/good", entry.source());
        assertEquals("good.jar", entry.jar().getFileName().toString());
        // The SPI is shared with the host; host internals are invisible to the plugin.
        assertSame(LongtunePlugin.class, assertDoesLoad(loader, LongtunePlugin.class.getName()));
        assertThrows(ClassNotFoundException.class, () -> Class.forName(PluginCatalog.class.getName(), false, loader));
        assertThrows(ClassNotFoundException.class, () -> Class.forName("com.google.inject.Guice", false, loader));
    }

    private static Class<?> assertDoesLoad(ClassLoader loader, String name) {
        try {
            return Class.forName(name, false, loader);
        } catch (ClassNotFoundException e) {
            throw new AssertionError(name + " must be visible to plugins", e);
        }
    }

    @Test
    void aDuplicateNameNamesBothJars() throws IOException {
        plugin("com.example.dup", "context", "linear").build(plugins.resolve("dup/dup-plugin.jar"), CP);
        LongtuneException e = assertThrows(LongtuneException.class, () -> PluginHost.start(plugins, false));
        assertTrue(e.getMessage().contains("two plugins provide the context extension 'linear'"), e.getMessage());
        assertTrue(e.getMessage().contains("dup-plugin.jar"), e.getMessage());
        assertTrue(e.getMessage().contains("longtune-plugins-context"), e.getMessage());
    }

    @Test
    void anEmptyFolderIsAnError() throws IOException {
        Files.createDirectories(plugins.resolve("empty"));
        LongtuneException e = assertThrows(LongtuneException.class, () -> PluginHost.start(plugins, false));
        assertTrue(e.getMessage().contains("empty") && e.getMessage().contains("holds no .jar"), e.getMessage());
    }

    @Test
    void aJarWithoutProviderIsAnError() throws IOException {
        new JarBuilder().source("com.example.none.Util", "package com.example.none; public class Util {}")
                .build(plugins.resolve("none/util.jar"), CP);
        LongtuneException e = assertThrows(LongtuneException.class, () -> PluginHost.start(plugins, false));
        assertTrue(e.getMessage().contains("provides no Longtune plugin"), e.getMessage());
        assertTrue(e.getMessage().contains("util.jar"), e.getMessage());
    }

    @Test
    void aProviderThatFailsToLoadNamesTheJar() throws IOException {
        new JarBuilder().source("com.example.broken.Other", "package com.example.broken; public class Other {}")
                .resource(SERVICE, "com.example.broken.Missing\n").build(plugins.resolve("broken/broken.jar"), CP);
        LongtuneException e = assertThrows(LongtuneException.class, () -> PluginHost.start(plugins, false));
        assertTrue(e.getMessage().contains("com.example.broken.Missing"), e.getMessage());
        assertTrue(e.getMessage().contains("broken.jar"), e.getMessage());
    }

    @Test
    void aBadNameIsRejected() throws IOException {
        plugin("com.example.bad", "evaluator", "Bad-Name").build(plugins.resolve("bad/bad.jar"), CP);
        LongtuneException e = assertThrows(LongtuneException.class, () -> PluginHost.start(plugins, false));
        assertTrue(e.getMessage().contains("invalid name 'Bad-Name'"), e.getMessage());
    }
}
