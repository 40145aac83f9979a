package dev.longtune.cli;

import dev.longtune.host.report.RunReport;
import dev.longtune.host.report.RunReports;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code longtune report RUN_DIR}: writes {@code report.html} and {@code report.md} again from a run's output folder
 * alone — after a killed or resumed run, or with a newer Longtune. The same code writes them at the end of a run.
 */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = "Write report.html and report.md again from a run's output folder (files only: no model load).")
final class ReportCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "RUN_DIR", description = "a run's output folder (the one with manifest.json)")
    Path dir;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        RunReport r = RunReports.write(dir);
        PrintWriter out = spec.commandLine().getOut();
        out.printf("Wrote %s and %s (%d pictures) for run '%s' (%s)%n", dir.resolve(RunReports.HTML),
                dir.resolve(RunReports.MARKDOWN), r.figures().size(), r.name(), r.status());
        out.flush();
        return 0;
    }
}
