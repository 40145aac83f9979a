package dev.longtune.cli;

import dev.longtune.api.LongtuneException;
import dev.longtune.host.Version;
import java.io.PrintWriter;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code longtune}: the top-level command, its global options, and how errors reach the user. */
@Command(
        name = "longtune",
        mixinStandardHelpOptions = true,
        versionProvider = LongtuneCommand.VersionProvider.class,
        description = "Fine-tune open decoder LLMs on the JVM, driven by one YAML experiment file.",
        subcommands = {RunCommand.class, EvalCommand.class, ValidateCommand.class, PluginsCommand.class, GenerateCommand.class,
                ExportCommand.class, ServeCommand.class, DownloadCommand.class, ReportCommand.class,
                CommandLine.HelpCommand.class})
public final class LongtuneCommand implements Runnable {

    /** Exit code for a problem the user can fix (bad config, missing file, mismatched tokenizer). */
    public static final int USER_ERROR = 1;
    /** Exit code for a bug (an exception that is not a {@link LongtuneException}). */
    public static final int INTERNAL_ERROR = 3;

    @Option(names = "--plugins-dir", paramLabel = "DIR",
            description = "Folder of third-party plugins (one sub-folder per plugin). Default: the distribution's plugins/.")
    Path pluginsDir;

    @Option(names = "--stacktrace", description = "Print the full stack trace of an error.")
    boolean stacktrace;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** The plugins folder in effect. */
    Path pluginsDir() {
        if (pluginsDir != null) {
            return pluginsDir;
        }
        String home = System.getProperty("longtune.home");
        return home == null ? null : Path.of(home, "plugins");
    }

    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new LongtuneCommand());
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            PrintWriter err = commandLine.getErr();
            LongtuneCommand root = commandLine.getCommandSpec().root().commandLine().getCommand();
            Throwable cause = ex;
            while (!(cause instanceof LongtuneException) && cause.getCause() != null && cause.getCause() != cause) {
                cause = cause.getCause();
            }
            if (cause instanceof LongtuneException le) {
                err.println("error: " + le.getMessage());
                if (root.stacktrace) {
                    ex.printStackTrace(err);
                }
                err.flush();
                return USER_ERROR;
            }
            err.println("internal error: " + ex + (root.stacktrace ? "" : " (rerun with --stacktrace for details; "
                    + "please report it)"));
            if (root.stacktrace) {
                ex.printStackTrace(err);
            }
            err.flush();
            return INTERNAL_ERROR;
        });
        return cl;
    }

    /** Prints Longtune's version with the compute stack it was built for. */
    static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"longtune " + Version.get(),
                    "DJL " + ai.djl.engine.Engine.getDjlVersion() + ", Java " + System.getProperty("java.version")};
        }
    }
}
