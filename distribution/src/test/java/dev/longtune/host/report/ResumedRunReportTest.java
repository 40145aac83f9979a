package dev.longtune.host.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * A resumed run's process only sees the steps after its checkpoint; its report still shows the whole run, because it
 * is read from the output folder.
 */
class ResumedRunReportTest {

    @Test
    void resumedRunReportsEveryStepFromDisk() throws IOException {
        Path finished = ReportRuns.training();
        Path resumed = ReportRuns.root().resolve("run-resumed");
        copy(finished, resumed);
        for (String f : List.of("report.html", "report.md", "report/training.png", "report/lengths.png")) {
            Files.delete(resumed.resolve(f));
        }
        assertTrue(Files.isDirectory(resumed.resolve("checkpoints/step-3")), "the run saved a checkpoint at step 3");
        List<String> firstProcessRows = Files.readAllLines(finished.resolve("metrics/train.jsonl")).subList(0, 3);

        ReportRuns.run("resumed", ReportRuns.trainingYaml("run-resumed"), "training.resume_from_checkpoint=auto");

        List<String> rows = Files.readAllLines(resumed.resolve("metrics/train.jsonl"));
        assertEquals(6, rows.size());
        assertEquals(firstProcessRows, rows.subList(0, 3), "steps 1-3 are the first process's rows, untouched");
        RunReport r = RunFolder.read(resumed);
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L), r.training().steps().stream().map(RunReport.StepRow::step).toList());
        assertTrue(r.facts().contains(new RunReport.Fact("resumed from step", "3")), "" + r.facts());
        // samples.jsonl got the "before" samples twice (the resumed process made them again); the report shows each
        // prompt once.
        long sampleRows = Files.readAllLines(resumed.resolve("samples.jsonl")).size();
        assertEquals(8, sampleRows);
        assertEquals(2, r.samples().size());
        String html = Files.readString(resumed.resolve("report.html"));
        assertTrue(html.contains("Logged steps (6 rows"), "all six steps in the HTML table");
        assertTrue(Files.isRegularFile(resumed.resolve("report/training.png")));
    }

    private static void copy(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path p : files.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }
}
