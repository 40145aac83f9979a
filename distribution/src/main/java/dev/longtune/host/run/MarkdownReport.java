package dev.longtune.host.run;

import dev.longtune.api.TrainingOutcome;
import dev.longtune.host.config.Bound;
import dev.longtune.host.config.ResolvedExperiment;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** {@code report.md}: what ran, the numbers before and after, the loss curve as a table, and sample generations. */
final class MarkdownReport {

    private final ResolvedExperiment exp;
    private final Map<String, Map<String, Double>> metrics;
    private final TrainingOutcome outcome;
    private final List<Map<String, Object>> samples;
    private final List<Map<String, Object>> trainRows;

    MarkdownReport(ResolvedExperiment exp, Map<String, Map<String, Double>> metrics, TrainingOutcome outcome,
            List<Map<String, Object>> samples, List<Map<String, Object>> trainRows) {
        this.exp = exp;
        this.metrics = metrics;
        this.outcome = outcome;
        this.samples = samples;
        this.trainRows = trainRows;
    }

    void write(Path file) throws IOException {
        StringBuilder md = new StringBuilder();
        md.append("# ").append(exp.config().name()).append("\n\n");
        md.append("- config: `").append(exp.source().file()).append("` (resolved copy: `config.resolved.yaml`)\n");
        md.append("- model: `").append(exp.modelDir()).append("` (").append(exp.model().name()).append(")\n");
        for (Bound<?> b : exp.plugins()) {
            md.append("- ").append(b.yamlPath()).append(": ").append(b.name()).append('\n');
        }
        md.append("- provenance: `manifest.json`; metrics: `metrics/*.jsonl`; samples: `samples.jsonl`\n\n");
        if (outcome != null) {
            md.append(String.format(Locale.ROOT, "## Training%n%n%d steps, %d tokens, %.1f s, final loss %.4f%n%n",
                    outcome.steps(), outcome.tokens(), outcome.seconds(), outcome.finalLoss()));
            if (!trainRows.isEmpty()) {
                md.append("| step | loss | lr | grad norm |\n|---:|---:|---:|---:|\n");
                for (Map<String, Object> r : trainRows) {
                    md.append("| ").append(r.get("step")).append(" | ").append(num(r.get("loss"))).append(" | ")
                            .append(num(r.get("lr"))).append(" | ").append(num(r.get("grad_norm"))).append(" |\n");
                }
                md.append('\n');
            }
        }
        if (!metrics.isEmpty()) {
            md.append("## Evaluation\n\n| evaluator / phase | metric | value |\n|---|---|---:|\n");
            metrics.forEach((k, m) -> m.forEach((name, v) ->
                    md.append("| ").append(k).append(" | ").append(name).append(" | ").append(num(v)).append(" |\n")));
            md.append('\n');
        }
        if (!samples.isEmpty()) {
            md.append("## Samples\n\n");
            for (Map<String, Object> s : samples) {
                md.append("**").append(s.get("phase")).append("** — prompt: ").append(quote(s.get("prompt")))
                        .append("\n\n> ").append(String.valueOf(s.get("generation")).replace("\n", "\n> ")).append("\n\n");
            }
        }
        Files.writeString(file, md.toString(), StandardCharsets.UTF_8);
    }

    private static String num(Object o) {
        if (o instanceof Number n) {
            double d = n.doubleValue();
            return Math.abs(d) < 1e-3 && d != 0 ? String.format(Locale.ROOT, "%.3e", d)
                    : String.format(Locale.ROOT, "%.4f", d);
        }
        return String.valueOf(o);
    }

    private static String quote(Object o) {
        return "`" + String.valueOf(o).replace("`", "'").replace("\n", " ") + "`";
    }
}
