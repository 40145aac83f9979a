package dev.longtune.host.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import dev.longtune.api.LongtuneException;
import dev.longtune.host.report.RunReport.DataSection;
import dev.longtune.host.report.RunReport.EvaluationRow;
import dev.longtune.host.report.RunReport.EvaluationTable;
import dev.longtune.host.report.RunReport.Fact;
import dev.longtune.host.report.RunReport.Figure;
import dev.longtune.host.report.RunReport.Plugin;
import dev.longtune.host.report.RunReport.Point;
import dev.longtune.host.report.RunReport.SampleGroup;
import dev.longtune.host.report.RunReport.StepRow;
import dev.longtune.host.report.RunReport.TrainingSection;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Reads a run's output folder into a {@link RunReport}: {@code manifest.json}, {@code results.json},
 * {@code config.resolved.yaml}, {@code metrics/*.jsonl}, {@code samples.jsonl}, {@code report/lengths.json} and the
 * evaluators' artifacts. Only files are read — never the runner's memory — so a resumed run (whose process saw only
 * the steps after its checkpoint) and a finished run read later give the whole story. Rows repeated by a resume
 * (the "before" evaluation and samples run again) count once: the last row of a step, phase or prompt wins.
 */
public final class RunFolder {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;

    private RunFolder(Path dir) {
        this.dir = dir;
    }

    /** The report of the run in {@code outputDir}; figures are the PNG artifacts only (charts are drawn later). */
    public static RunReport read(Path outputDir) throws IOException {
        if (!Files.isRegularFile(outputDir.resolve("manifest.json"))) {
            throw new LongtuneException(outputDir + " is not a run's output folder: it has no manifest.json");
        }
        return new RunFolder(outputDir).report();
    }

    private RunReport report() throws IOException {
        JsonNode manifest = json("manifest.json");
        JsonNode results = json("results.json");
        JsonNode config = manifest.path("resolved_config");
        String name = config.path("name").asText(dir.getFileName().toString());
        JsonNode outcome = results.path("training").isObject() ? results.path("training") : manifest.path("training");
        TrainingSection training = training(outcome);

        List<Figure> figures = new ArrayList<>();
        List<String> others = new ArrayList<>();
        for (JsonNode a : results.path("artifacts")) {
            String path = relative(a.asText());
            if (path.toLowerCase(Locale.ROOT).endsWith(".png") && Files.isRegularFile(dir.resolve(path))) {
                figures.add(new Figure(titleOf(path), path, Files.readAllBytes(dir.resolve(path))));
            } else {
                others.add(path);
            }
        }
        Path yaml = dir.resolve("config.resolved.yaml");
        String configYaml = Files.isRegularFile(yaml) ? Files.readString(yaml, StandardCharsets.UTF_8)
                : JSON.writerWithDefaultPrettyPrinter().writeValueAsString(config);
        return new RunReport(name, manifest.path("status").asText("unknown"), facts(manifest, outcome, results),
                plugins(manifest), configYaml, data(), training, evaluation(results), figures, others, samples());
    }

    private List<Fact> facts(JsonNode manifest, JsonNode outcome, JsonNode results) {
        List<Fact> f = new ArrayList<>();
        JsonNode env = manifest.path("environment");
        JsonNode config = manifest.path("resolved_config");
        add(f, "status", manifest.path("status").asText(null));
        add(f, "error", manifest.path("error").asText(null));
        add(f, "started", manifest.path("started_at").asText(null));
        add(f, "finished", manifest.path("finished_at").asText(null));
        String started = manifest.path("started_at").asText(null);
        String finished = manifest.path("finished_at").asText(null);
        if (started != null && finished != null) {
            double s = Duration.between(Instant.parse(started), Instant.parse(finished)).toMillis() / 1000.0;
            add(f, "wall-clock seconds", String.format(Locale.ROOT, "%.1f", s));
        }
        add(f, "command", manifest.has("command") ? String.join(" ", strings(manifest.path("command"))) : null);
        add(f, "model", manifest.path("model").path("path").asText(null));
        add(f, "device", env.path("device").asText(null));
        add(f, "dtype", env.path("dtype").asText(null));
        add(f, "seed", manifest.path("seed").asText(null));
        add(f, "context extension", config.path("context").path("type").asText(null));
        add(f, "method", config.path("method").path("type").asText(null));
        if (outcome.isObject()) {
            double seconds = outcome.path("seconds").asDouble(Double.NaN);
            long tokens = outcome.path("tokens").asLong();
            add(f, "training steps", outcome.path("steps").asText());
            add(f, "training tokens", Long.toString(tokens));
            add(f, "training seconds", String.format(Locale.ROOT, "%.1f", seconds));
            if (seconds > 0) {
                add(f, "training tokens/s", String.format(Locale.ROOT, "%.0f", tokens / seconds));
            }
            add(f, "final training loss", Numbers.format(outcome.path("finalLoss").asDouble(Double.NaN)));
            JsonNode resumed = outcome.path("extra").path("resumed_from_step");
            if (resumed.isNumber()) {
                add(f, "resumed from step", Long.toString(resumed.asLong()));
            }
        }
        add(f, "exported model", results.path("exported_model").asText(null));
        add(f, "Longtune", manifest.path("longtune_version").asText(null));
        if (env.has("djl_version")) {
            add(f, "DJL / engine", env.path("djl_version").asText() + " / " + env.path("engine").asText() + " "
                    + env.path("pytorch_version").asText());
        }
        add(f, "Java", env.has("java_version") ? env.path("java_version").asText() + " (" + env.path("java_vendor")
                .asText() + ")" : null);
        add(f, "OS", env.path("os").asText(null));
        add(f, "threads", env.has("available_processors") ? env.path("available_processors").asText() + " cores, "
                + env.path("pytorch_num_threads").asText() + " PyTorch threads" : null);
        return f;
    }

    private static List<Plugin> plugins(JsonNode manifest) {
        List<Plugin> out = new ArrayList<>();
        for (JsonNode p : manifest.path("plugins")) {
            out.add(new Plugin(p.path("role").asText(), p.path("name").asText(), p.path("version").asText(),
                    p.path("source").asText(p.path("jar").asText(""))));
        }
        return out;
    }

    private DataSection data() throws IOException {
        // Rows accumulate: the host logs the record counts, the training method then adds what it encoded.
        Map<String, Number> counts = new LinkedHashMap<>();
        for (JsonNode row : jsonl("metrics/data.jsonl")) {
            row.fields().forEachRemaining(e -> {
                if (e.getValue().isNumber()) {
                    counts.put(e.getKey(), e.getValue().numberValue());
                }
            });
        }
        TokenLengths lengths = TokenLengths.read(dir);
        if (counts.isEmpty() && lengths == null) {
            return null;
        }
        return new DataSection(counts, lengths);
    }

    private TrainingSection training(JsonNode outcome) throws IOException {
        TreeMap<Long, StepRow> steps = new TreeMap<>();
        for (JsonNode r : jsonl("metrics/train.jsonl")) {
            if (r.path("step").isNumber()) {
                steps.put(r.path("step").asLong(), new StepRow(r.path("step").asLong(), num(r, "loss"), num(r, "lr"),
                        num(r, "grad_norm"), num(r, "tokens_per_s")));
            }
        }
        TreeMap<Long, Point> evalLoss = new TreeMap<>();
        for (JsonNode r : jsonl("metrics/eval.jsonl")) {
            if (r.path("step").isNumber() && r.path("eval_loss").isNumber()) {
                evalLoss.put(r.path("step").asLong(), new Point(r.path("step").asDouble(), r.path("eval_loss").asDouble()));
            }
        }
        if (!outcome.isObject() && steps.isEmpty()) {
            return null;
        }
        Map<String, Number> o = new LinkedHashMap<>();
        if (outcome.isObject()) {
            for (String k : List.of("steps", "tokens", "seconds", "finalLoss")) {
                if (outcome.path(k).isNumber()) {
                    o.put(k.equals("finalLoss") ? "final_loss" : k, outcome.path(k).numberValue());
                }
            }
            outcome.path("extra").fields().forEachRemaining(e -> {
                if (e.getValue().isNumber()) {
                    o.put(e.getKey(), e.getValue().numberValue());
                }
            });
        }
        return new TrainingSection(o, List.copyOf(steps.values()), List.copyOf(evalLoss.values()));
    }

    /** Metrics by evaluator × phase from {@code results.json}, or from {@code metrics/eval.jsonl} if the run died. */
    private EvaluationTable evaluation(JsonNode results) throws IOException {
        Map<String, Map<String, Double>> byKey = new LinkedHashMap<>();
        if (results.path("metrics").isObject()) {
            results.path("metrics").fields().forEachRemaining(e -> byKey.put(e.getKey(), numbers(e.getValue())));
        } else {
            for (JsonNode r : jsonl("metrics/eval.jsonl")) {
                if (r.hasNonNull("evaluator") && r.hasNonNull("phase")) {
                    Map<String, Double> m = numbers(r);
                    byKey.put(r.path("evaluator").asText() + "/" + r.path("phase").asText(), m);
                }
            }
        }
        Set<String> phases = new LinkedHashSet<>();
        Map<String, Map<String, Map<String, Double>>> table = new LinkedHashMap<>(); // evaluator → metric → phase
        byKey.forEach((key, metrics) -> {
            int slash = key.lastIndexOf('/');
            String evaluator = slash < 0 ? key : key.substring(0, slash);
            String phase = slash < 0 ? "eval" : key.substring(slash + 1);
            phases.add(phase);
            metrics.forEach((metric, v) -> table.computeIfAbsent(evaluator, k -> new LinkedHashMap<>())
                    .computeIfAbsent(metric, k -> new LinkedHashMap<>()).put(phase, v));
        });
        List<EvaluationRow> rows = new ArrayList<>();
        table.forEach((evaluator, metrics) -> metrics.forEach((metric, values) ->
                rows.add(new EvaluationRow(evaluator, metric, values))));
        return new EvaluationTable(List.copyOf(phases), rows);
    }

    private List<SampleGroup> samples() throws IOException {
        Map<String, Map<String, String>> generations = new LinkedHashMap<>();
        Map<String, String> references = new LinkedHashMap<>();
        for (JsonNode r : jsonl("samples.jsonl")) {
            String prompt = r.path("prompt").asText("");
            generations.computeIfAbsent(prompt, k -> new LinkedHashMap<>())
                    .put(r.path("phase").asText("?"), r.path("generation").asText(""));
            if (r.hasNonNull("reference")) {
                references.put(prompt, r.path("reference").asText());
            }
        }
        List<SampleGroup> out = new ArrayList<>();
        generations.forEach((p, g) -> out.add(new SampleGroup(p, g, references.get(p))));
        return out;
    }

    // ---- small readers ----

    private JsonNode json(String file) throws IOException {
        Path p = dir.resolve(file);
        return Files.isRegularFile(p) ? JSON.readTree(p.toFile()) : MissingNode.getInstance();
    }

    /** Rows of a JSON Lines file; a torn last line (a run killed mid-write) is left out. */
    private List<JsonNode> jsonl(String file) throws IOException {
        Path p = dir.resolve(file);
        List<JsonNode> rows = new ArrayList<>();
        if (!Files.isRegularFile(p)) {
            return rows;
        }
        List<String> lines = Files.readAllLines(p, StandardCharsets.UTF_8);
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) {
                continue;
            }
            try {
                rows.add(JSON.readTree(lines.get(i)));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                if (i < lines.size() - 1) {
                    throw new LongtuneException(p + ":" + (i + 1) + ": not a JSON row (" + e.getOriginalMessage() + ")");
                }
            }
        }
        return rows;
    }

    /** An artifact path relative to the output folder when it is inside it. */
    private String relative(String path) {
        Path p = Path.of(path);
        if (p.isAbsolute()) {
            Path abs = dir.toAbsolutePath().normalize();
            Path norm = p.normalize();
            return norm.startsWith(abs) ? abs.relativize(norm).toString() : norm.toString();
        }
        return path;
    }

    private static String titleOf(String path) {
        String file = Path.of(path).getFileName().toString();
        return file.substring(0, file.length() - 4);
    }

    private static Map<String, Double> numbers(JsonNode o) {
        Map<String, Double> m = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getValue().isNumber()) {
                m.put(e.getKey(), e.getValue().asDouble());
            }
        }
        return m;
    }

    private static double num(JsonNode row, String field) {
        return row.path(field).isNumber() ? row.path(field).asDouble() : Double.NaN;
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    private static void add(List<Fact> facts, String label, String value) {
        if (value != null && !value.isEmpty() && !"null".equals(value)) {
            facts.add(new Fact(label, value));
        }
    }
}
