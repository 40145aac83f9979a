package dev.longtune.host.report;

import dev.longtune.host.report.RunReport.EvaluationRow;
import dev.longtune.host.report.RunReport.Fact;
import dev.longtune.host.report.RunReport.Figure;
import dev.longtune.host.report.RunReport.Plugin;
import dev.longtune.host.report.RunReport.Point;
import dev.longtune.host.report.RunReport.SampleGroup;
import dev.longtune.host.report.RunReport.StepRow;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * {@code report.html}: one self-contained file that opens offline — inline CSS, every picture a
 * {@code data:image/png;base64} URI, and a Content-Security-Policy that lets the browser load nothing else, so a
 * report that would need the network shows it as a broken picture instead of quietly fetching. A small inline script
 * counts the pictures that decoded into {@code data-images-*} attributes of {@code <body>}, which the headless
 * browser check reads. All text is escaped ({@link Escape#html}).
 */
public final class HtmlReport {

    static final String CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
            + "script-src 'unsafe-inline'";

    private static final String STYLE = """
            body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#222;margin:0 auto;\
            max-width:1180px;padding:0 24px 48px}
            h1{font-size:24px;margin:24px 0 4px}h2{font-size:19px;margin:32px 0 10px;border-bottom:1px solid #ddd;\
            padding-bottom:4px}h3{font-size:15px;margin:18px 0 8px}
            nav a{margin-right:14px;color:#1f5fa8}
            table{border-collapse:collapse;margin:8px 0 14px}td,th{border:1px solid #ddd;padding:4px 8px;\
            vertical-align:top;text-align:left}th{background:#f4f4f4}td.n{text-align:right;\
            font-variant-numeric:tabular-nums}
            .up{color:#a33}.down{color:#1a7f37}
            pre{margin:0;white-space:pre-wrap;word-break:break-word;font:12px/1.4 ui-monospace,Menlo,Consolas,monospace}
            table.samples td{width:22%}table.samples td pre{max-height:22em;overflow:auto}
            figure{margin:12px 0 22px}figure img{max-width:100%;height:auto;border:1px solid #eee}
            figcaption{color:#555;font-size:12px}
            details{margin:8px 0}summary{cursor:pointer;color:#1f5fa8}
            .note{color:#555;font-size:13px}.status-failed{color:#a33;font-weight:bold}
            """;

    private static final String IMAGE_CHECK = """
            window.addEventListener('load', function () {
              var images = document.images, loaded = 0, broken = 0;
              for (var i = 0; i < images.length; i++) {
                if (images[i].complete && images[i].naturalWidth > 0) { loaded++; } else { broken++; }
              }
              document.body.setAttribute('data-images-total', String(images.length));
              document.body.setAttribute('data-images-loaded', String(loaded));
              document.body.setAttribute('data-images-broken', String(broken));
            });
            """;

    private final StringBuilder h = new StringBuilder(1 << 16);

    private HtmlReport() {}

    public static String render(RunReport r) {
        return new HtmlReport().document(r);
    }

    private String document(RunReport r) {
        h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta http-equiv=\"Content-Security-Policy\" content=\"").append(CSP).append("\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<title>").append(esc(r.name())).append(" — Longtune run report</title>\n")
                .append("<style>\n").append(STYLE).append("</style>\n</head>\n");
        h.append("<body data-images-expected=\"").append(r.figures().size()).append("\">\n");
        h.append("<h1>").append(esc(r.name())).append("</h1>\n<p class=\"note\">Longtune run report — status <span class=\"")
                .append("failed".equals(r.status()) ? "status-failed" : "").append("\">").append(esc(r.status()))
                .append("</span></p>\n");
        nav(r);
        run(r);
        data(r);
        training(r);
        evaluation(r);
        figures(r);
        samples(r);
        h.append("<h2 id=\"config\">Resolved config</h2>\n<details><summary>config.resolved.yaml</summary>\n<pre>")
                .append(esc(r.configYaml())).append("</pre>\n</details>\n");
        h.append("<script>\n").append(IMAGE_CHECK).append("</script>\n</body>\n</html>\n");
        return h.toString();
    }

    private void nav(RunReport r) {
        List<String[]> links = new ArrayList<>();
        links.add(new String[] {"run", "Run"});
        if (r.data() != null) {
            links.add(new String[] {"data", "Data"});
        }
        if (r.training() != null) {
            links.add(new String[] {"training", "Training"});
        }
        if (!r.evaluation().rows().isEmpty()) {
            links.add(new String[] {"evaluation", "Evaluation"});
        }
        if (!ReportCharts.artifactFigures(r).isEmpty() || !r.otherArtifacts().isEmpty()) {
            links.add(new String[] {"figures", "Figures"});
        }
        if (!r.samples().isEmpty()) {
            links.add(new String[] {"samples", "Samples"});
        }
        links.add(new String[] {"config", "Config"});
        h.append("<nav>");
        for (String[] l : links) {
            h.append("<a href=\"#").append(l[0]).append("\">").append(l[1]).append("</a>");
        }
        h.append("</nav>\n");
    }

    private void run(RunReport r) {
        h.append("<h2 id=\"run\">Run</h2>\n<table>\n");
        for (Fact f : r.facts()) {
            h.append("<tr><th>").append(esc(f.label())).append("</th><td>").append(esc(f.value())).append("</td></tr>\n");
        }
        h.append("</table>\n");
        if (!r.plugins().isEmpty()) {
            h.append("<h3>Plugins</h3>\n<table>\n<tr><th>role</th><th>name</th><th>version</th><th>from</th></tr>\n");
            for (Plugin p : r.plugins()) {
                h.append("<tr><td>").append(esc(p.role())).append("</td><td>").append(esc(p.name())).append("</td><td>")
                        .append(esc(p.version())).append("</td><td>").append(esc(p.source())).append("</td></tr>\n");
            }
            h.append("</table>\n");
        }
    }

    private void data(RunReport r) {
        if (r.data() == null) {
            return;
        }
        h.append("<h2 id=\"data\">Data</h2>\n");
        if (!r.data().counts().isEmpty()) {
            h.append("<table>\n");
            r.data().counts().forEach((k, v) -> h.append("<tr><th>").append(esc(k.replace('_', ' ')))
                    .append("</th><td class=\"n\">").append(esc(Numbers.format(v))).append("</td></tr>\n"));
            h.append("</table>\n");
        }
        TokenLengths l = r.data().lengths();
        if (l != null) {
            List<String[]> rows = ReportText.lengthRows(l);
            table(rows, 1);
            for (String note : ReportText.lengthNotes(l)) {
                h.append("<p class=\"note\">").append(esc(note)).append("</p>\n");
            }
        }
        figure(ReportCharts.find(r, ReportCharts.LENGTHS));
    }

    private void training(RunReport r) {
        if (r.training() == null) {
            return;
        }
        h.append("<h2 id=\"training\">Training</h2>\n");
        figure(ReportCharts.find(r, ReportCharts.TRAINING));
        if (!r.training().outcome().isEmpty()) {
            h.append("<table>\n");
            r.training().outcome().forEach((k, v) -> h.append("<tr><th>").append(esc(k.replace('_', ' ')))
                    .append("</th><td class=\"n\">").append(esc(Numbers.format(v))).append("</td></tr>\n"));
            h.append("</table>\n");
        }
        List<StepRow> steps = r.training().steps();
        if (!steps.isEmpty()) {
            h.append("<details><summary>Logged steps (").append(steps.size()).append(" rows, metrics/train.jsonl)")
                    .append("</summary>\n");
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[] {"step", "loss", "lr", "grad norm", "tokens/s"});
            for (StepRow s : steps) {
                rows.add(new String[] {Long.toString(s.step()), Numbers.format(s.loss()), Numbers.format(s.lr()),
                        Numbers.format(s.gradNorm()), Numbers.format(Math.rint(s.tokensPerSecond()))});
            }
            table(rows, 1);
            h.append("</details>\n");
        }
        List<Point> eval = r.training().evalLoss();
        if (!eval.isEmpty()) {
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[] {"step", "held-out loss"});
            for (Point p : eval) {
                rows.add(new String[] {Numbers.format(p.x()), Numbers.format(p.y())});
            }
            table(rows, 1);
        }
    }

    private void evaluation(RunReport r) {
        if (r.evaluation().rows().isEmpty()) {
            return;
        }
        List<String> phases = r.evaluation().phases();
        boolean delta = r.evaluation().hasDelta();
        h.append("<h2 id=\"evaluation\">Evaluation</h2>\n<table>\n<tr><th>evaluator</th><th>metric</th>");
        for (String p : phases) {
            h.append("<th>").append(esc(p)).append("</th>");
        }
        if (delta) {
            h.append("<th>after − before</th>");
        }
        h.append("</tr>\n");
        for (EvaluationRow row : r.evaluation().rows()) {
            h.append("<tr><td>").append(esc(row.evaluator())).append("</td><td>").append(esc(row.metric())).append("</td>");
            for (String p : phases) {
                Double v = row.values().get(p);
                h.append("<td class=\"n\">").append(v == null ? "" : esc(Numbers.format(v))).append("</td>");
            }
            if (delta) {
                Double d = row.delta();
                h.append("<td class=\"n\">").append(d == null ? "" : esc(Numbers.signed(d))).append("</td>");
            }
            h.append("</tr>\n");
        }
        h.append("</table>\n");
    }

    private void figures(RunReport r) {
        List<Figure> figures = ReportCharts.artifactFigures(r);
        if (figures.isEmpty() && r.otherArtifacts().isEmpty()) {
            return;
        }
        h.append("<h2 id=\"figures\">Figures</h2>\n");
        figures.forEach(this::figure);
        if (!r.otherArtifacts().isEmpty()) {
            h.append("<p class=\"note\">Other files the evaluators wrote (beside this report):</p>\n<ul>\n");
            for (String a : r.otherArtifacts()) {
                h.append("<li><code>").append(esc(a)).append("</code></li>\n");
            }
            h.append("</ul>\n");
        }
    }

    private void samples(RunReport r) {
        if (r.samples().isEmpty()) {
            return;
        }
        List<String> phases = ReportText.samplePhases(r);
        boolean references = r.samples().stream().anyMatch(s -> s.reference() != null);
        h.append("<h2 id=\"samples\">Samples</h2>\n<table class=\"samples\">\n<tr><th>prompt</th>");
        for (String p : phases) {
            h.append("<th>").append(esc(p)).append("</th>");
        }
        if (references) {
            h.append("<th>reference</th>");
        }
        h.append("</tr>\n");
        for (SampleGroup s : r.samples()) {
            h.append("<tr>");
            cell(s.prompt());
            Map<String, String> g = s.generations();
            for (String p : phases) {
                cell(g.get(p));
            }
            if (references) {
                cell(s.reference());
            }
            h.append("</tr>\n");
        }
        h.append("</table>\n");
    }

    private void cell(String text) {
        h.append("<td><pre>").append(esc(text)).append("</pre></td>");
    }

    private void figure(Figure f) {
        if (f == null) {
            return;
        }
        h.append("<figure><img alt=\"").append(esc(f.title())).append("\" src=\"data:image/png;base64,")
                .append(Base64.getEncoder().encodeToString(f.png())).append("\"><figcaption>")
                .append(esc(f.title())).append(" — <code>").append(esc(f.path())).append("</code></figcaption></figure>\n");
    }

    /** A table whose first row is the header; columns from {@code firstNumeric} on are right-aligned numbers. */
    private void table(List<String[]> rows, int firstNumeric) {
        h.append("<table>\n<tr>");
        for (String c : rows.get(0)) {
            h.append("<th>").append(esc(c)).append("</th>");
        }
        h.append("</tr>\n");
        for (String[] row : rows.subList(1, rows.size())) {
            h.append("<tr>");
            for (int i = 0; i < row.length; i++) {
                h.append(i >= firstNumeric ? "<td class=\"n\">" : "<td>").append(esc(row[i])).append("</td>");
            }
            h.append("</tr>\n");
        }
        h.append("</table>\n");
    }

    private static String esc(String s) {
        return Escape.html(s);
    }
}
