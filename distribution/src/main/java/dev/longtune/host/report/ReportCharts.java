package dev.longtune.host.report;

import dev.longtune.host.report.RunReport.Figure;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The report's own charts: drawn from the report model, written under {@code report/} beside the report files. */
final class ReportCharts {

    static final String LENGTHS = "report/lengths.png";
    static final String TRAINING = "report/training.png";

    private ReportCharts() {}

    /** Draws the charts the run's data allows, writes them under {@code outputDir}, and returns them as figures. */
    static List<Figure> draw(RunReport r, Path outputDir) throws IOException {
        List<Figure> charts = new ArrayList<>();
        if (r.data() != null && r.data().lengths() != null && !r.data().lengths().splits().isEmpty()) {
            charts.add(write(outputDir, LENGTHS, "Token lengths of the records", LengthHistogram.render(r.data().lengths())));
        }
        if (r.training() != null && !r.training().steps().isEmpty()) {
            charts.add(write(outputDir, TRAINING, "Training loss and learning rate",
                    TrainingCurves.render(r.training().steps(), r.training().evalLoss())));
        }
        return charts;
    }

    private static Figure write(Path outputDir, String path, String title, byte[] png) throws IOException {
        Path file = outputDir.resolve(path);
        Files.createDirectories(file.getParent());
        Files.write(file, png);
        return new Figure(title, path, png);
    }

    static Figure find(RunReport r, String path) {
        return r.figures().stream().filter(f -> f.path().equals(path)).findFirst().orElse(null);
    }

    /** Figures other than the report's own charts: those the evaluators wrote. */
    static List<Figure> artifactFigures(RunReport r) {
        return r.figures().stream().filter(f -> !f.path().equals(LENGTHS) && !f.path().equals(TRAINING)).toList();
    }
}
