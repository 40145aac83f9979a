package dev.longtune.api.plugin;

import dev.longtune.api.LongtunePlugin;
import java.nio.file.Path;

/**
 * A plugin found by {@link PluginDiscovery}.
 *
 * @param plugin the provider instance
 * @param origin the jar (or classes folder) its class was loaded from
 * @param folder the {@code plugins/<name>/} folder, or {@code null} for plugins on the host class path (built-ins)
 */
public record DiscoveredPlugin(LongtunePlugin plugin, Path origin, Path folder) {

    /** "built-in" or the plugin folder's name. */
    public String source() {
        return folder == null ? "built-in" : "plugins/" + folder.getFileName();
    }
}
