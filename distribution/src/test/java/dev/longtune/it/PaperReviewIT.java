package dev.longtune.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.longtune.testing.ProjectPaths;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The paper-review recipe's CPU path end to end, as a user runs it from an assembled distribution:
 * {@code examples/paper-review/run-cpu.sh} — SFT (LoRA, YaRN) on paper → review pairs, ORPO from the SFT model,
 * {@code longtune serve} of a stand-in judge, {@code longtune eval} with rouge, bleu, review_structure and the judge
 * against the reference reviews — then the reports, and the server gone.
 */
class PaperReviewIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path work;

    @Test
    void sftThenOrpoThenServedJudgeEvaluationThenReports() throws Exception {
        Path dist = ProjectPaths.distribution();
        Path runs = work.resolve("runs");
        ProcessBuilder pb = new ProcessBuilder("bash", dist.resolve("examples/paper-review/run-cpu.sh").toString())
                .directory(work.toFile()).redirectErrorStream(true)
                .redirectOutput(work.resolve("pipeline.log").toFile());
        pb.environment().put("RUNS", runs.toString());
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().put("LONGTUNE_JAVA_OPTS", "-Xmx2g");
        String cache = System.getenv("ENGINE_CACHE_DIR");
        if (cache != null) {
            pb.environment().put("ENGINE_CACHE_DIR", cache);
        }
        Process p = pb.start();
        boolean done = p.waitFor(15, TimeUnit.MINUTES);
        String log = Files.readString(work.resolve("pipeline.log"), StandardCharsets.UTF_8);
        if (!done) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        assertTrue(done, "the CPU pipeline should take a few minutes at most:\n" + log);
        assertEquals(0, p.exitValue(), log);

        // 1. SFT learned the reviews: held-out perplexity of the reference reviews drops.
        JsonNode sft = JSON.readTree(runs.resolve("sft/results.json").toFile()).path("metrics");
        double before = sft.path("perplexity/before").path("perplexity").asDouble();
        double after = sft.path("perplexity/after").path("perplexity").asDouble();
        assertTrue(after < before, "SFT perplexity " + before + " -> " + after + "\n" + log);

        // 2. ORPO trained from the SFT model and saved one.
        JsonNode orpo = JSON.readTree(runs.resolve("orpo/results.json").toFile());
        assertTrue(orpo.path("training").path("steps").asInt() > 0, orpo.toString());
        assertTrue(Files.isRegularFile(runs.resolve("orpo/model/model.safetensors")));
        assertTrue(JSON.readTree(runs.resolve("orpo/manifest.json").toFile()).toString()
                .contains(runs.resolve("sft/model").toString()), "ORPO started from the SFT model");

        // 3./4. Every evaluator scored the ORPO model's generated reviews; the judge was really asked over HTTP, in
        // both orders, and the stand-in's verdicts (stories260K cannot judge) are errors, never wins.
        JsonNode metrics = JSON.readTree(runs.resolve("eval/results.json").toFile()).path("metrics");
        for (String e : List.of("rouge/eval", "bleu/eval", "review_structure/eval", "judge/eval")) {
            assertTrue(metrics.has(e), e + " missing from " + metrics);
        }
        assertTrue(metrics.path("rouge/eval").has("rougeL"), metrics.toString());
        assertTrue(metrics.path("bleu/eval").has("bleu"), metrics.toString());
        JsonNode structure = metrics.path("review_structure/eval");
        assertEquals(1.0, structure.path("reference_coverage").asDouble(), 0.5, "the synthetic reviews cover criteria");
        JsonNode judge = metrics.path("judge/eval");
        int items = judge.path("items").asInt();
        assertTrue(items > 0, judge.toString());
        assertEquals(items, judge.path("errors").asInt() + judge.path("wins").asInt() + judge.path("losses").asInt()
                + judge.path("ties").asInt(), judge.toString());
        assertEquals(0, judge.path("wins").asInt(), "an unparseable verdict is never a win: " + judge);
        assertEquals(2 * items, judge.path("requests_made").asInt(), "two orders per item: " + judge);
        assertEquals(items, Files.readAllLines(runs.resolve("eval/eval/judge-eval-judgments.jsonl")).size());
        assertEquals(items, Files.readAllLines(runs.resolve("eval/generations/eval.jsonl")).size(),
                "one shared generation pass for all four evaluators");

        for (String run : List.of("sft", "orpo", "eval")) {
            assertTrue(Files.size(runs.resolve(run + "/report.html")) > 1000, run);
            assertTrue(Files.isRegularFile(runs.resolve(run + "/report.md")), run);
        }

        // The script stopped the judge server on its way out.
        String served = Files.readString(runs.resolve("serve.log"));
        URI url = URI.create(served.lines().filter(l -> l.startsWith("Serving ")).findFirst().orElseThrow()
                .replaceAll("^Serving .* on ", ""));
        assertThrows(IOException.class, () -> new Socket(url.getHost(), url.getPort()).close(), served);
        assertFalse(log.contains("Exception"), log);
    }
}
