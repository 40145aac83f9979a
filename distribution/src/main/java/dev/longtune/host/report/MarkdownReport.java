package dev.longtune.host.report;

import dev.longtune.host.report.RunReport.EvaluationRow;
import dev.longtune.host.report.RunReport.Fact;
import dev.longtune.host.report.RunReport.Figure;
import dev.longtune.host.report.RunReport.Plugin;
import dev.longtune.host.report.RunReport.Point;
import dev.longtune.host.report.RunReport.SampleGroup;
import dev.longtune.host.report.RunReport.StepRow;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code report.md}: the same content as {@code report.html} in GitHub Markdown — tables, pictures linked by paths
 * relative to the output folder (the report's charts under {@code report/}, the evaluators' PNGs where they wrote
 * them), the resolved config in a collapsible block. All text is escaped ({@link Escape#markdownCell}).
 */
public final class MarkdownReport {

    private final StringBuilder md = new StringBuilder(1 << 14);

    private MarkdownReport() {}

    public static String render(RunReport r) {
        return new MarkdownReport().document(r);
    }

    private String document(RunReport r) {
        md.append("# ").append(Escape.markdownInline(r.name())).append("\n\n");
        md.append("Longtune run report — status **").append(Escape.markdownInline(r.status())).append("**. ")
                .append("The same report with pictures embedded: `report.html`.\n\n");
        md.append("## Run\n\n");
        List<String[]> facts = new ArrayList<>();
        facts.add(new String[] {"", ""});
        for (Fact f : r.facts()) {
            facts.add(new String[] {f.label(), f.value()});
        }
        table(facts, 99, true);
        if (!r.plugins().isEmpty()) {
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[] {"role", "name", "version", "from"});
            for (Plugin p : r.plugins()) {
                rows.add(new String[] {p.role(), p.name(), p.version(), p.source()});
            }
            md.append("### Plugins\n\n");
            table(rows, 99, false);
        }
        data(r);
        training(r);
        evaluation(r);
        figures(r);
        samples(r);
        String yaml = r.configYaml();
        String fence = Escape.fence(yaml);
        md.append("## Resolved config\n\n<details><summary>config.resolved.yaml</summary>\n\n").append(fence)
                .append("yaml\n").append(yaml).append(yaml.endsWith("\n") ? "" : "\n").append(fence)
                .append("\n\n</details>\n");
        return md.toString();
    }

    private void data(RunReport r) {
        if (r.data() == null) {
            return;
        }
        md.append("## Data\n\n");
        if (!r.data().counts().isEmpty()) {
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[] {"", ""});
            r.data().counts().forEach((k, v) -> rows.add(new String[] {k.replace('_', ' '), Numbers.format(v)}));
            table(rows, 1, true);
        }
        TokenLengths l = r.data().lengths();
        if (l != null) {
            table(ReportText.lengthRows(l), 1, false);
            for (String note : ReportText.lengthNotes(l)) {
                md.append(Escape.markdownInline(note)).append("\n\n");
            }
        }
        figure(ReportCharts.find(r, ReportCharts.LENGTHS));
    }

    private void training(RunReport r) {
        if (r.training() == null) {
            return;
        }
        md.append("## Training\n\n");
        figure(ReportCharts.find(r, ReportCharts.TRAINING));
        if (!r.training().outcome().isEmpty()) {
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[] {"", ""});
            r.training().outcome().forEach((k, v) -> rows.add(new String[] {k.replace('_', ' '), Numbers.format(v)}));
            table(rows, 1, true);
        }
        List<StepRow> steps = r.training().steps();
        if (!steps.isEmpty()) {
            md.append("<details><summary>Logged steps (").append(steps.size())
                    .append(" rows, metrics/train.jsonl)</summary>\n\n");
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[] {"step", "loss", "lr", "grad norm", "tokens/s"});
            for (StepRow s : steps) {
                rows.add(new String[] {Long.toString(s.step()), Numbers.format(s.loss()), Numbers.format(s.lr()),
                        Numbers.format(s.gradNorm()), Numbers.format(Math.rint(s.tokensPerSecond()))});
            }
            table(rows, 1, false);
            md.append("</details>\n\n");
        }
        List<Point> eval = r.training().evalLoss();
        if (!eval.isEmpty()) {
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[] {"step", "held-out loss"});
            for (Point p : eval) {
                rows.add(new String[] {Numbers.format(p.x()), Numbers.format(p.y())});
            }
            table(rows, 1, false);
        }
    }

    private void evaluation(RunReport r) {
        if (r.evaluation().rows().isEmpty()) {
            return;
        }
        List<String> phases = r.evaluation().phases();
        boolean delta = r.evaluation().hasDelta();
        List<String> header = new ArrayList<>(List.of("evaluator", "metric"));
        header.addAll(phases);
        if (delta) {
            header.add("after − before");
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(header.toArray(String[]::new));
        for (EvaluationRow row : r.evaluation().rows()) {
            List<String> cells = new ArrayList<>(List.of(row.evaluator(), row.metric()));
            for (String p : phases) {
                Double v = row.values().get(p);
                cells.add(v == null ? "" : Numbers.format(v));
            }
            if (delta) {
                cells.add(row.delta() == null ? "" : Numbers.signed(row.delta()));
            }
            rows.add(cells.toArray(String[]::new));
        }
        md.append("## Evaluation\n\n");
        table(rows, 2, false);
    }

    private void figures(RunReport r) {
        List<Figure> figures = ReportCharts.artifactFigures(r);
        if (figures.isEmpty() && r.otherArtifacts().isEmpty()) {
            return;
        }
        md.append("## Figures\n\n");
        figures.forEach(this::figure);
        if (!r.otherArtifacts().isEmpty()) {
            md.append("Other files the evaluators wrote:\n\n");
            for (String a : r.otherArtifacts()) {
                md.append("- [").append(Escape.markdownInline(a)).append("](").append(link(a)).append(")\n");
            }
            md.append('\n');
        }
    }

    private void samples(RunReport r) {
        if (r.samples().isEmpty()) {
            return;
        }
        List<String> phases = ReportText.samplePhases(r);
        boolean references = r.samples().stream().anyMatch(s -> s.reference() != null);
        List<String> header = new ArrayList<>(List.of("prompt"));
        header.addAll(phases);
        if (references) {
            header.add("reference");
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(header.toArray(String[]::new));
        for (SampleGroup s : r.samples()) {
            List<String> cells = new ArrayList<>(List.of(s.prompt()));
            for (String p : phases) {
                String g = s.generations().get(p);
                cells.add(g == null ? "" : g);
            }
            if (references) {
                cells.add(s.reference() == null ? "" : s.reference());
            }
            rows.add(cells.toArray(String[]::new));
        }
        md.append("## Samples\n\n");
        table(rows, 99, false);
    }

    private void figure(Figure f) {
        if (f != null) {
            md.append("![").append(Escape.markdownInline(f.title())).append("](").append(link(f.path())).append(")\n\n");
        }
    }

    /** A relative link target: '/'-separated, spaces and parentheses percent-encoded so the link stays one token. */
    static String link(String path) {
        return path.replace('\\', '/').replace("%", "%25").replace(" ", "%20").replace("(", "%28").replace(")", "%29");
    }

    /**
     * A GitHub table; the first row is the header (an all-empty header makes a key/value table). Columns from
     * {@code firstNumeric} on are right-aligned.
     */
    private void table(List<String[]> rows, int firstNumeric, boolean keyValue) {
        String[] head = rows.get(0);
        md.append('|');
        for (String c : head) {
            md.append(' ').append(keyValue ? "" : Escape.markdownCell(c)).append(" |");
        }
        md.append("\n|");
        for (int i = 0; i < head.length; i++) {
            md.append(i >= firstNumeric ? "---:|" : "---|");
        }
        md.append('\n');
        for (String[] row : rows.subList(1, rows.size())) {
            md.append('|');
            for (String c : row) {
                md.append(' ').append(Escape.markdownCell(c)).append(" |");
            }
            md.append('\n');
        }
        md.append('\n');
    }
}
