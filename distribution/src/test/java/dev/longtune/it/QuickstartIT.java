package dev.longtune.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.longtune.testing.Launcher;
import dev.longtune.testing.ProjectPaths;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's quickstart, run through the assembled distribution from an unrelated working directory: held-out
 * perplexity drops, and the saved checkpoint loads back and generates.
 */
class QuickstartIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path work;

    @Test
    void quickstartImprovesPerplexityAndItsCheckpointGenerates() throws Exception {
        Path dist = ProjectPaths.distribution();
        Path out = work.resolve("quickstart-run");
        Launcher.Result run = Launcher.run(dist, work, 600, "run", dist.resolve("examples/quickstart.yaml").toString(),
                "--set", "output=" + out);
        assertEquals(0, run.code(), run.describe());
        System.out.println(run.out());

        JsonNode results = JSON.readTree(out.resolve("results.json").toFile());
        double before = results.at("/metrics/perplexity~1before/perplexity").asDouble();
        double after = results.at("/metrics/perplexity~1after/perplexity").asDouble();
        System.out.printf("quickstart held-out perplexity: before %.3f, after %.3f%n", before, after);
        assertTrue(before > 0 && after > 0, results.toString());
        assertTrue(after < 0.8 * before, "fine-tuning must lower held-out perplexity clearly: " + before + " -> " + after);

        for (String f : List.of("manifest.json", "config.resolved.yaml", "metrics/train.jsonl", "samples.jsonl",
                "report.md", "report.html", "report/lengths.png", "report/training.png",
                "model/config.json", "model/model.safetensors", "model/tokenizer.json")) {
            assertTrue(Files.exists(out.resolve(f)), "missing " + f);
        }
        String html = Files.readString(out.resolve("report.html"));
        assertTrue(html.contains("data:image/png;base64,") && html.contains("Samples"), "report.html embeds its charts");
        JsonNode manifest = JSON.readTree(out.resolve("manifest.json").toFile());
        assertEquals("succeeded", manifest.get("status").asText());
        assertTrue(manifest.at("/environment/pytorch_version").asText().startsWith("2.7.1"), manifest.toString());
        assertEquals(3, manifest.get("plugins").size(), "model, method, evaluator: " + manifest.get("plugins"));
        assertTrue(manifest.at("/plugins/0/jar_sha256").asText().length() == 64);
        assertTrue(manifest.at("/model/files").size() >= 3);
        assertEquals(2, manifest.get("data").size());

        Launcher.Result gen = Launcher.run(dist, work, 120, "generate", "--model", out.resolve("model").toString(),
                "--prompt", "Once upon a time", "--max-new-tokens", "30");
        assertEquals(0, gen.code(), gen.describe());
        assertFalse(gen.out().isBlank(), gen.describe());
    }
}
