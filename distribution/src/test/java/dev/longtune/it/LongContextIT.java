package dev.longtune.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.longtune.testing.Launcher;
import dev.longtune.testing.ProjectPaths;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * examples/long-context/yarn-eval.yaml through the distribution: stories260K extended ×2 with YaRN, evaluated at
 * 256/512/1024 tokens by perplexity_by_length, passkey and needle, with their CSVs and figures.
 */
class LongContextIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path work;

    @Test
    void yarnExtensionIsEvaluatedAtEveryLengthWithFigures() throws Exception {
        Path dist = ProjectPaths.distribution();
        Path out = work.resolve("yarn");
        Launcher.Result run = Launcher.run(dist, work, 600, "run",
                dist.resolve("examples/long-context/yarn-eval.yaml").toString(), "--set", "output=" + out);
        assertEquals(0, run.code(), run.describe());
        System.out.println(run.out());
        JsonNode metrics = JSON.readTree(out.resolve("results.json").toFile()).get("metrics");
        JsonNode ppl = metrics.get("perplexity_by_length/eval");
        for (String len : List.of("256", "512", "1024")) {
            double p = ppl.get("perplexity@" + len).asDouble();
            assertTrue(p > 1 && p < 100, "perplexity@" + len + " = " + p);
        }
        assertTrue(metrics.has("passkey/eval") && metrics.has("needle/eval"), metrics.toString());
        for (String png : List.of("eval/perplexity_by_length-eval.png", "eval/needle-eval.png", "eval/passkey-eval.png")) {
            Path f = out.resolve(png);
            assertTrue(Files.exists(f), "missing " + png + " in " + out);
            BufferedImage img = ImageIO.read(f.toFile());
            assertTrue(img.getWidth() > 200 && img.getHeight() > 150, png + " is an image");
        }
        JsonNode manifest = JSON.readTree(out.resolve("manifest.json").toFile());
        assertTrue(manifest.toString().contains("\"yarn\""), "the manifest records the context extension");
    }
}
