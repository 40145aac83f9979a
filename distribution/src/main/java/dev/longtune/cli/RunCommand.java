package dev.longtune.cli;

import dev.longtune.host.config.ResolvedExperiment;
import dev.longtune.host.plugins.PluginCatalog;
import dev.longtune.host.plugins.PluginHost;
import dev.longtune.host.run.ExperimentRunner;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code longtune run CONFIG}: validates, then runs the experiment end to end. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run an experiment: load, (extend,) evaluate, fine-tune, evaluate, export, report.")
final class RunCommand implements Callable<Integer> {

    @ParentCommand
    LongtuneCommand parent;

    @Mixin
    ConfigOptions config;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PluginCatalog catalog = PluginHost.start(parent.pluginsDir(), true);
        ResolvedExperiment exp = config.resolve(catalog);
        List<String> command = new ArrayList<>(List.of("longtune", "run", config.config.toString()));
        config.overrides.forEach(o -> {
            command.add("--set");
            command.add(o);
        });
        new ExperimentRunner(catalog, System.out).run(exp, command);
        return 0;
    }
}
