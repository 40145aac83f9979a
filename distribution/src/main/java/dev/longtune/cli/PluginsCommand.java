package dev.longtune.cli;

import dev.longtune.host.plugins.PluginCatalog;
import dev.longtune.host.plugins.PluginHost;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code longtune plugins}: every installed factory with its family, version and jar. */
@Command(name = "plugins", mixinStandardHelpOptions = true,
        description = "List installed plugins: family, name, version, and the jar each came from.")
final class PluginsCommand implements Callable<Integer> {

    @ParentCommand
    LongtuneCommand parent;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PluginCatalog catalog = PluginHost.start(parent.pluginsDir(), false);
        PrintWriter out = spec.commandLine().getOut();
        out.printf("%-18s %-14s %-16s %-22s %s%n", "FAMILY", "NAME", "VERSION", "SOURCE", "JAR");
        for (PluginCatalog.Entry e : catalog.entries()) {
            out.printf("%-18s %-14s %-16s %-22s %s%n", e.family().title(), e.name(), e.version(), e.source(),
                    e.jar() == null ? "?" : e.jar().getFileName());
            if (!e.description().isBlank()) {
                out.printf("%-18s   %s%n", "", e.description());
            }
        }
        out.flush();
        return 0;
    }
}
