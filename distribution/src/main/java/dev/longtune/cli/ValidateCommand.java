package dev.longtune.cli;

import dev.longtune.host.config.Bound;
import dev.longtune.host.config.ResolvedExperiment;
import dev.longtune.host.hub.ModelLocator;
import dev.longtune.host.plugins.PluginCatalog;
import dev.longtune.host.plugins.PluginHost;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code longtune validate CONFIG}: every check {@code run} makes before touching a tensor. */
@Command(name = "validate", mixinStandardHelpOptions = true,
        description = "Check an experiment file: keys, plugin names and options, files, pairings. Loads no weights.")
final class ValidateCommand implements Callable<Integer> {

    @ParentCommand
    LongtuneCommand parent;

    @Mixin
    ConfigOptions config;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PluginCatalog catalog = PluginHost.start(parent.pluginsDir(), false);
        ResolvedExperiment exp = config.resolve(catalog, ModelLocator.forValidation());
        PrintWriter out = spec.commandLine().getOut();
        out.println(config.config + ": OK");
        out.println("  model: " + exp.modelDir() + " (" + exp.model().name() + ")");
        for (Bound<?> b : exp.plugins()) {
            if (b != exp.model()) {
                out.println("  " + b.yamlPath() + ": " + b.name() + " " + b.options());
            }
        }
        out.println("  output: " + exp.outputDir());
        out.flush();
        return 0;
    }
}
