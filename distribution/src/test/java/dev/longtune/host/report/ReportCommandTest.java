package dev.longtune.host.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.longtune.cli.LongtuneCommand;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code longtune report RUN_DIR} rebuilds, from the folder alone, exactly the reports the run wrote. */
class ReportCommandTest {

    @TempDir
    Path dir;

    @Test
    void rebuildsTheRunsOwnReportsByteForByte() throws IOException {
        Path run = ReportRuns.evalOnly();
        Path copy = dir.resolve("copy");
        try (Stream<Path> files = Files.walk(run)) {
            for (Path p : files.toList()) {
                Path target = copy.resolve(run.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
        for (String f : List.of("report.html", "report.md", "report/lengths.png")) {
            Files.delete(copy.resolve(f));
        }
        StringWriter out = new StringWriter();
        CommandLine cl = new CommandLine(new LongtuneCommand());
        cl.setOut(new PrintWriter(out, true));
        assertEquals(0, cl.execute("report", copy.toString()), out.toString());
        assertTrue(out.toString().contains("(3 pictures) for run 'report-eval-only' (succeeded)"), out.toString());
        for (String f : List.of("report.html", "report.md", "report/lengths.png")) {
            assertArrayEquals(Files.readAllBytes(run.resolve(f)), Files.readAllBytes(copy.resolve(f)), f);
        }
    }

    @Test
    void aFolderThatIsNotARunIsRefused() {
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new LongtuneCommand());
        cl.setErr(new PrintWriter(err, true));
        assertNotEquals(0, cl.execute("report", dir.toString()));
        assertFalse(Files.exists(dir.resolve("report.html")));
    }
}
