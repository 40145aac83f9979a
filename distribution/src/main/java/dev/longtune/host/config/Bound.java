package dev.longtune.host.config;

import dev.longtune.api.PluginFactory;

/**
 * A factory chosen by a config node, with its options already bound.
 *
 * @param yamlPath where in the config it was chosen ({@code evaluation[1]})
 */
public record Bound<F extends PluginFactory<?>>(String yamlPath, F factory, Object options) {

    public String name() {
        return factory.name();
    }
}
