package dev.longtune.cli;

import dev.longtune.host.config.ConfigLoader;
import dev.longtune.host.config.ExperimentValidator;
import dev.longtune.host.config.LoadedConfig;
import dev.longtune.host.config.ResolvedExperiment;
import dev.longtune.host.hub.ModelLocator;
import dev.longtune.host.plugins.PluginCatalog;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The config file and its overrides, shared by {@code run} and {@code validate}. */
final class ConfigOptions {

    @Parameters(index = "0", paramLabel = "CONFIG", description = "Experiment YAML file.")
    Path config;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "Override any config key, e.g. --set training.learning_rate=5e-4 --set evaluation[0].stride=64")
    List<String> overrides = new ArrayList<>();

    ResolvedExperiment resolve(PluginCatalog catalog) {
        return resolve(catalog, ModelLocator.forRun());
    }

    /** With {@code models} deciding how much of a hub model to fetch ({@code validate} needs no weights). */
    ResolvedExperiment resolve(PluginCatalog catalog, ModelLocator models) {
        LoadedConfig loaded = ConfigLoader.load(config, overrides);
        return new ExperimentValidator(catalog, models).resolve(loaded);
    }
}
