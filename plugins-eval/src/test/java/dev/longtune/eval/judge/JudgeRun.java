package dev.longtune.eval.judge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.longtune.api.DataRecord;
import dev.longtune.api.EvaluationJob;
import dev.longtune.api.EvaluationResult;
import dev.longtune.api.GenerationOptions;
import dev.longtune.api.GenerationSource;
import dev.longtune.api.config.OptionsBinder;
import dev.longtune.conformance.TestRunContext;
import dev.longtune.eval.ScriptedModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** Shared test fixtures: held-out records, the candidate model, options from YAML, and one evaluation. */
final class JudgeRun {

    static final String MARKER = "MARKER";

    private JudgeRun() {}

    /** Alpaca records {@code Question i} whose reference answer is {@code Reference i} (+ the marker if asked). */
    static List<DataRecord> records(int n, boolean markerInReference) {
        List<DataRecord> records = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            ObjectNode fields = ScriptedEndpoint.JSON.createObjectNode().put("instruction", "Question " + i)
                    .put("output", "Reference " + i + (markerInReference ? " " + MARKER : ""));
            records.add(new DataRecord("eval.jsonl", i, fields));
        }
        return records;
    }

    /** A candidate that answers {@code Candidate answer to <instruction>} (+ the marker if asked). */
    static ScriptedModel candidate(boolean marker) {
        return new ScriptedModel(4096, prompt -> {
            int at = prompt.indexOf("### Instruction:\n");
            String instruction = prompt.substring(at + 17, prompt.indexOf("\n", at + 17));
            return "Candidate answer to " + instruction + (marker ? " " + MARKER : "");
        });
    }

    /** A judge that prefers whichever answer carries the marker (the rationale first, as GPT-4 writes it). */
    static ScriptedEndpoint.Script prefersMarker() {
        return r -> {
            boolean a = r.answerA().contains(MARKER);
            boolean b = r.answerB().contains(MARKER);
            String verdict = a && !b ? "[[A]]" : b && !a ? "[[B]]" : "[[C]]";
            return ScriptedEndpoint.Reply.content("Assistant " + (a ? "A" : "B") + " mentions the marker. "
                    + verdict);
        };
    }

    /** Options bound from YAML exactly as the host binds them, pointed at {@code endpoint}. */
    static JudgeOptions options(ScriptedEndpoint endpoint, String moreYaml) {
        try {
            String yaml = "base_url: " + endpoint.baseUrl() + "\nmodel: gpt-4\n" + moreYaml;
            ObjectNode node = (ObjectNode) new YAMLMapper().readTree(yaml);
            return OptionsBinder.bind(node, JudgeOptions.class, "evaluator 'judge'", "evaluation[0]",
                    OptionsBinder.NO_LINES);
        } catch (IOException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** What one evaluation returned and recorded. */
    record Outcome(EvaluationResult result, Map<String, Object> row) {

        double metric(String name) {
            Double v = result.metrics().get(name);
            if (v == null) {
                throw new AssertionError("no metric " + name + " in " + result.metrics());
            }
            return v;
        }
    }

    /** Evaluates with retries waiting only milliseconds, and environment variables from {@code env}. */
    static Outcome run(Path out, JudgeOptions options, ScriptedModel model, List<DataRecord> records,
            Function<String, String> env) throws IOException {
        try (TestRunContext context = new TestRunContext(out)) {
            JudgeEvaluator evaluator = new JudgeEvaluator(options, env,
                    new Backoff(Duration.ofMillis(10), Duration.ofMillis(50)));
            EvaluationResult r = evaluator.evaluate(new EvaluationJob(model, records, "after", context,
                    GenerationSource.direct(model, context, GenerationOptions.greedy(64))));
            List<Map<String, Object>> rows = context.rows("eval");
            return new Outcome(r, rows.isEmpty() ? Map.of() : rows.get(rows.size() - 1));
        }
    }

    static Outcome run(Path out, JudgeOptions options, ScriptedModel model, List<DataRecord> records)
            throws IOException {
        return run(out, options, model, records, name -> null);
    }

    /** The judgments file, one JSON object per item. */
    static List<JsonNode> judgments(Path out) throws IOException {
        List<JsonNode> lines = new ArrayList<>();
        for (String line : Files.readAllLines(out.resolve("eval/judge-after-judgments.jsonl"))) {
            lines.add(ScriptedEndpoint.JSON.readTree(line));
        }
        return lines;
    }
}
