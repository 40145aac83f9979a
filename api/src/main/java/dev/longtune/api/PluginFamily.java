package dev.longtune.api;

import java.util.List;
import java.util.function.Function;

/** The four plugin families, with the config section that selects from each. */
public enum PluginFamily {
    MODEL("model", "model architecture", LongtunePlugin::modelArchitectures),
    CONTEXT("context", "context extension", LongtunePlugin::contextExtensions),
    METHOD("method", "fine-tuning method", LongtunePlugin::fineTuningMethods),
    EVALUATOR("evaluator", "evaluator", LongtunePlugin::evaluators);

    private final String key;
    private final String title;
    private final Function<LongtunePlugin, List<? extends PluginFactory<?>>> getter;

    PluginFamily(String key, String title, Function<LongtunePlugin, List<? extends PluginFactory<?>>> getter) {
        this.key = key;
        this.title = title;
        this.getter = getter;
    }

    /** Short key used in messages and listings: {@code model}, {@code context}, {@code method}, {@code evaluator}. */
    public String key() {
        return key;
    }

    /** Human title: "context extension". */
    public String title() {
        return title;
    }

    /** The factories a plugin contributes to this family. */
    public List<? extends PluginFactory<?>> factoriesOf(LongtunePlugin plugin) {
        List<? extends PluginFactory<?>> list = getter.apply(plugin);
        return list == null ? List.of() : list;
    }
}
