package dev.longtune.host.plugins;

import ai.djl.engine.Engine;
import com.google.inject.CreationException;
import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.spi.Message;
import dev.longtune.api.LongtuneException;
import dev.longtune.api.plugin.DiscoveredPlugin;
import dev.longtune.api.plugin.PluginDiscovery;
import java.nio.file.Path;
import java.util.List;

/**
 * Starts the plugin host: initialises DJL's engine once (its JNI library must be loaded by the host's class loader
 * before any plugin class loader exists), discovers plugins, and wires the catalog with Guice.
 */
public final class PluginHost {

    private PluginHost() {}

    /** The engine, initialised on first call. */
    public static Engine engine() {
        return Engine.getEngine("PyTorch");
    }

    /**
     * Discovers built-in plugins and those in {@code pluginsDir} and returns the catalog.
     *
     * @param initEngine false for commands that never touch tensors ({@code plugins}, {@code validate}), so they
     *     run in a second and on machines where the natives cannot load
     */
    public static PluginCatalog start(Path pluginsDir, boolean initEngine) {
        if (initEngine) {
            engine();
        }
        List<DiscoveredPlugin> plugins = PluginDiscovery.discover(PluginHost.class.getClassLoader(), pluginsDir);
        try {
            Injector injector = Guice.createInjector(new PluginsModule(plugins));
            return injector.getInstance(PluginCatalog.class);
        } catch (CreationException e) {
            // Our own checks (duplicate names, bad names) run inside configure(); report them plainly, not as Guice errors.
            for (Message m : e.getErrorMessages()) {
                if (m.getCause() instanceof LongtuneException le) {
                    throw le;
                }
            }
            throw e;
        }
    }
}
