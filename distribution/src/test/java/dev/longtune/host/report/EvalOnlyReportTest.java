package dev.longtune.host.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A run that only evaluates: no training section, one phase and no change column, the evaluators' figures. */
class EvalOnlyReportTest {

    @Test
    void evalOnlyRunHasNoTrainingSection() throws IOException {
        Path run = ReportRuns.evalOnly();
        RunReport r = RunFolder.read(run);
        assertNull(r.training());
        assertEquals(List.of("eval"), r.evaluation().phases());
        assertFalse(r.evaluation().hasDelta());
        assertEquals(List.of("passkey-eval", "needle-eval"), r.figures().stream().map(RunReport.Figure::title).toList());

        String html = Files.readString(run.resolve("report.html"));
        assertFalse(html.contains("id=\"training\""), "no training section");
        assertFalse(html.contains("after − before"));
        assertTrue(html.contains("<th>eval</th>"));
        assertTrue(html.contains("id=\"figures\"") && html.contains("id=\"samples\""));
        // Lengths histogram (held-out only) + passkey plot + needle heat map.
        assertEquals(3, ReportEscapingTest.count(html, "<img "));
        assertFalse(Files.exists(run.resolve(ReportCharts.TRAINING)));

        String md = Files.readString(run.resolve("report.md"));
        assertFalse(md.contains("## Training"));
        assertTrue(md.contains("## Evaluation") && md.contains("![needle-eval](eval/needle-eval.png)"), md);
        TokenLengths l = TokenLengths.read(run);
        assertEquals(List.of("held-out"), l.splits().stream().map(TokenLengths.Split::name).toList());
        assertEquals(512, l.maxLength(), "data.max_length's default marks the cut-off");
    }
}
