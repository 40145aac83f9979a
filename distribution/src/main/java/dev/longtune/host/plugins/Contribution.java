package dev.longtune.host.plugins;

import dev.longtune.api.PluginFactory;
import dev.longtune.api.PluginFamily;
import dev.longtune.api.plugin.DiscoveredPlugin;

/**
 * One factory a plugin contributes. Collected once at start-up: a plugin's getters may return new factory objects
 * on every call, so identity must be fixed before anything is bound.
 */
public record Contribution(PluginFamily family, PluginFactory<?> factory, DiscoveredPlugin plugin) {}
