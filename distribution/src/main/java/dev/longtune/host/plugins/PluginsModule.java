package dev.longtune.host.plugins;

import com.google.inject.AbstractModule;
import com.google.inject.TypeLiteral;
import com.google.inject.multibindings.MapBinder;
import dev.longtune.api.LongtuneException;
import dev.longtune.api.PluginFactory;
import dev.longtune.api.PluginFamily;
import dev.longtune.api.plugin.DiscoveredPlugin;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Binds every discovered factory into one {@link MapBinder} per family, keyed by name (the Druid pattern). Names
 * must be unique within a family: a clash is reported with both jars before Guice sees it.
 */
public final class PluginsModule extends AbstractModule {

    private final List<DiscoveredPlugin> plugins;

    public PluginsModule(List<DiscoveredPlugin> plugins) {
        this.plugins = List.copyOf(plugins);
    }

    @Override
    protected void configure() {
        Map<PluginFamily, MapBinder<String, PluginFactory<?>>> binders = new EnumMap<>(PluginFamily.class);
        Map<PluginFamily, Map<String, DiscoveredPlugin>> seen = new EnumMap<>(PluginFamily.class);
        for (PluginFamily family : PluginFamily.values()) {
            binders.put(family, MapBinder.newMapBinder(binder(), new TypeLiteral<String>() {},
                    new TypeLiteral<PluginFactory<?>>() {}, new FamilyQualifier(family)));
            seen.put(family, new HashMap<>());
        }
        List<Contribution> contributions = new ArrayList<>();
        for (DiscoveredPlugin plugin : plugins) {
            for (PluginFamily family : PluginFamily.values()) {
                for (PluginFactory<?> factory : family.factoriesOf(plugin.plugin())) {
                    String name = factory.name();
                    checkName(family, name, plugin);
                    DiscoveredPlugin previous = seen.get(family).putIfAbsent(name, plugin);
                    if (previous != null) {
                        throw new LongtuneException("two plugins provide the " + family.title() + " '" + name
                                + "': " + previous.origin() + " and " + plugin.origin()
                                + ". Remove one of the jars (names must be unique within a family).");
                    }
                    binders.get(family).addBinding(name).toInstance(factory);
                    contributions.add(new Contribution(family, factory, plugin));
                }
            }
        }
        bind(new TypeLiteral<List<Contribution>>() {}).toInstance(List.copyOf(contributions));
    }

    private static void checkName(PluginFamily family, String name, DiscoveredPlugin plugin) {
        if (name == null || !name.matches("[a-z][a-z0-9_]*")) {
            throw new LongtuneException("plugin " + plugin.origin() + " provides a " + family.title()
                    + " with an invalid name '" + name + "': names are lower-case letters, digits and _");
        }
    }
}
