package dev.longtune.host.report;

import dev.longtune.host.report.RunReport.Figure;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes a run's {@code report.html} and {@code report.md} (charts under {@code report/}) from its output folder
 * alone — at the end of {@code longtune run}, and again at any later time on the same folder.
 */
public final class RunReports {

    public static final String HTML = "report.html";
    public static final String MARKDOWN = "report.md";

    private RunReports() {}

    /** Reads {@code outputDir}, draws the charts, writes both reports; returns the model they show. */
    public static RunReport write(Path outputDir) throws IOException {
        RunReport read = RunFolder.read(outputDir);
        List<Figure> figures = new ArrayList<>(ReportCharts.draw(read, outputDir));
        for (Figure f : read.figures()) {
            figures.add(Path.of(f.path()).isAbsolute() ? copyIn(outputDir, f) : f);
        }
        RunReport report = new RunReport(read.name(), read.status(), read.facts(), read.plugins(), read.configYaml(),
                read.data(), read.training(), read.evaluation(), List.copyOf(figures), read.otherArtifacts(),
                read.samples());
        atomicWrite(outputDir.resolve(HTML), HtmlReport.render(report));
        atomicWrite(outputDir.resolve(MARKDOWN), MarkdownReport.render(report));
        return report;
    }

    /** A picture written outside the output folder is copied under {@code report/} so Markdown can link to it. */
    private static Figure copyIn(Path outputDir, Figure f) throws IOException {
        String path = "report/" + Path.of(f.path()).getFileName();
        Files.createDirectories(outputDir.resolve("report"));
        Files.write(outputDir.resolve(path), f.png());
        return new Figure(f.title(), path, f.png());
    }

    private static void atomicWrite(Path file, String text) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
