package dev.longtune.host.plugins;

import com.google.inject.Inject;
import dev.longtune.api.LongtuneException;
import dev.longtune.api.ModelArchitecture;
import dev.longtune.api.PluginFactory;
import dev.longtune.api.PluginFamily;
import dev.longtune.api.config.Suggestions;
import dev.longtune.api.plugin.DiscoveredPlugin;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/** Every installed factory by family and name, with the jar it came from. The host's one way to find a plugin. */
public final class PluginCatalog {

    /** One row of {@code longtune plugins}. */
    public record Entry(PluginFamily family, String name, String version, String description, Path jar, String source) {}

    private final Map<PluginFamily, Map<String, PluginFactory<?>>> byFamily = new EnumMap<>(PluginFamily.class);
    private final Map<PluginFactory<?>, DiscoveredPlugin> origins = new IdentityHashMap<>();

    @Inject
    PluginCatalog(
            @Family(PluginFamily.MODEL) Map<String, PluginFactory<?>> models,
            @Family(PluginFamily.CONTEXT) Map<String, PluginFactory<?>> contexts,
            @Family(PluginFamily.METHOD) Map<String, PluginFactory<?>> methods,
            @Family(PluginFamily.EVALUATOR) Map<String, PluginFactory<?>> evaluators,
            List<Contribution> contributions) {
        byFamily.put(PluginFamily.MODEL, new TreeMap<>(models));
        byFamily.put(PluginFamily.CONTEXT, new TreeMap<>(contexts));
        byFamily.put(PluginFamily.METHOD, new TreeMap<>(methods));
        byFamily.put(PluginFamily.EVALUATOR, new TreeMap<>(evaluators));
        for (Contribution c : contributions) {
            origins.put(c.factory(), c.plugin());
        }
    }

    /** Names installed in a family, sorted. */
    public List<String> names(PluginFamily family) {
        return new ArrayList<>(byFamily.get(family).keySet());
    }

    public Optional<PluginFactory<?>> find(PluginFamily family, String name) {
        return Optional.ofNullable(byFamily.get(family).get(name));
    }

    /**
     * The factory called {@code name}, or an error that names where the config asked for it, lists the valid names
     * and suggests the nearest: "context.type (line 7): unknown context extension 'yarm' — did you mean 'yarn'?".
     */
    public PluginFactory<?> require(PluginFamily family, String name, String where) {
        if (name == null || name.isBlank()) {
            throw new LongtuneException(where + ": missing 'type:' — choose a " + family.title() + ": "
                    + String.join(", ", names(family)));
        }
        return find(family, name).orElseThrow(() -> new LongtuneException(where + ": unknown " + family.title()
                + " '" + name + "'" + Suggestions.didYouMean(name, names(family)) + " (installed: "
                + (names(family).isEmpty() ? "none" : String.join(", ", names(family))) + ")"));
    }

    /** The architecture whose {@code modelTypes()} includes {@code modelType}. */
    public Optional<ModelArchitecture<?>> architectureFor(String modelType) {
        for (PluginFactory<?> f : byFamily.get(PluginFamily.MODEL).values()) {
            ModelArchitecture<?> a = (ModelArchitecture<?>) f;
            if (a.modelTypes().contains(modelType)) {
                return Optional.of(a);
            }
        }
        return Optional.empty();
    }

    /** Every model_type some installed architecture loads. */
    public List<String> modelTypes() {
        TreeSet<String> all = new TreeSet<>();
        for (PluginFactory<?> f : byFamily.get(PluginFamily.MODEL).values()) {
            all.addAll(((ModelArchitecture<?>) f).modelTypes());
        }
        return new ArrayList<>(all);
    }

    /** The plugin a factory came from. */
    public DiscoveredPlugin originOf(PluginFactory<?> factory) {
        return origins.get(factory);
    }

    /** Every factory, family by family, name by name. */
    public List<Entry> entries() {
        List<Entry> out = new ArrayList<>();
        for (PluginFamily f : PluginFamily.values()) {
            for (PluginFactory<?> factory : byFamily.get(f).values()) {
                DiscoveredPlugin p = origins.get(factory);
                out.add(new Entry(f, factory.name(), factory.version(), factory.description(),
                        p == null ? null : p.origin(), p == null ? "?" : p.source()));
            }
        }
        out.sort(Comparator.comparing(Entry::family).thenComparing(Entry::name));
        return out;
    }
}
