package dev.longtune.host.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/** The training run's report: pictures, links and numbers against the files the run wrote. */
class ReportFilesTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void htmlEmbedsEveryPictureTheRunMadeByteForByte() throws IOException {
        Path run = ReportRuns.training();
        List<String> pngArtifacts = new ArrayList<>();
        for (JsonNode a : JSON.readTree(run.resolve("results.json").toFile()).path("artifacts")) {
            if (a.asText().endsWith(".png")) {
                pngArtifacts.add(a.asText());
            }
        }
        assertEquals(List.of("eval/needle-before.png", "eval/needle-after.png"), pngArtifacts);
        List<String> expected = new ArrayList<>(List.of("report/lengths.png", "report/training.png"));
        expected.addAll(pngArtifacts);

        String html = Files.readString(run.resolve("report.html"));
        List<byte[]> embedded = new ArrayList<>();
        Matcher m = Pattern.compile("<img alt=\"[^\"]*\" src=\"data:image/png;base64,([A-Za-z0-9+/=]+)\">").matcher(html);
        while (m.find()) {
            embedded.add(Base64.getDecoder().decode(m.group(1)));
        }
        assertEquals(expected.size(), embedded.size(), "one embedded picture per chart and PNG artifact");
        assertEquals(expected.size(), ReportEscapingTest.count(html, "<img "));
        for (int i = 0; i < expected.size(); i++) {
            assertArrayEquals(Files.readAllBytes(run.resolve(expected.get(i))), embedded.get(i), expected.get(i));
            var image = ImageIO.read(new ByteArrayInputStream(embedded.get(i)));
            assertNotNull(image, expected.get(i) + " decodes as a PNG");
            assertTrue(image.getWidth() > 100 && image.getHeight() > 100, expected.get(i));
        }
        assertEquals(String.valueOf(expected.size()), attribute(html, "data-images-expected"));
    }

    @Test
    void everyMarkdownLinkResolvesToAFileBesideTheReport() throws IOException {
        Path run = ReportRuns.training();
        String md = Files.readString(run.resolve("report.md"));
        Matcher m = Pattern.compile("!?\\[[^\\]]*\\]\\(([^)\\s]+)\\)").matcher(md);
        List<String> targets = new ArrayList<>();
        while (m.find()) {
            targets.add(m.group(1));
        }
        assertTrue(targets.contains("report/lengths.png") && targets.contains("report/training.png")
                && targets.contains("eval/needle-after.png") && targets.contains("eval/needle-before.csv"), "" + targets);
        for (String t : targets) {
            assertFalse(t.startsWith("/") || t.contains("://"), "relative link: " + t);
            Path file = run.resolve(URLDecoder.decode(t, StandardCharsets.UTF_8));
            assertTrue(Files.isRegularFile(file), "link target exists: " + t);
        }
    }

    @Test
    void reportShowsTheRunsNumbers() throws IOException {
        Path run = ReportRuns.training();
        RunReport r = RunFolder.read(run);
        List<JsonNode> rows = new ArrayList<>();
        for (String line : Files.readAllLines(run.resolve("metrics/train.jsonl"))) {
            rows.add(JSON.readTree(line));
        }
        assertEquals(6, rows.size());
        assertEquals(rows.size(), r.training().steps().size());
        assertEquals(rows.get(5).path("loss").asDouble(), r.training().steps().get(5).loss());
        assertEquals(2, r.training().evalLoss().size(), "held-out loss at the start and the end");
        // Evaluation: before and after side by side, the change being their difference.
        JsonNode metrics = JSON.readTree(run.resolve("results.json").toFile()).path("metrics");
        assertEquals(List.of("before", "after"), r.evaluation().phases());
        var ppl = r.evaluation().rows().stream().filter(x -> x.metric().equals("perplexity")).findFirst().orElseThrow();
        double before = metrics.path("perplexity/before").path("perplexity").asDouble();
        double after = metrics.path("perplexity/after").path("perplexity").asDouble();
        assertEquals(after - before, ppl.delta(), 0.0);
        String html = Files.readString(run.resolve("report.html"));
        assertTrue(html.contains("<td class=\"n\">" + Numbers.signed(after - before) + "</td>"), "delta cell");
        // Plugin versions and device from the manifest.
        assertTrue(r.plugins().stream().anyMatch(p -> p.name().equals("needle") && !p.version().isEmpty()));
        assertTrue(r.facts().stream().anyMatch(f -> f.label().equals("device") && f.value().startsWith("cpu")));
        assertEquals(2, r.samples().size());
        assertTrue(r.samples().stream().allMatch(s -> s.generations().keySet().containsAll(List.of("before", "after"))
                && s.reference() != null));
    }

    /**
     * The lengths the report measured agree with what training counted on its own: records longer than
     * {@code data.max_length} (230, inside the data's range of lengths) are exactly those SFT truncated.
     */
    @Test
    void tokenLengthsAgreeWithTheTrainingMethodsTruncationCount() throws IOException {
        Path run = ReportRuns.training();
        TokenLengths l = TokenLengths.read(run);
        assertEquals(230, l.maxLength());
        JsonNode data = null;
        for (String line : Files.readAllLines(run.resolve("metrics/data.jsonl"))) {
            data = JSON.readTree(line);
        }
        TokenLengths.Split train = l.splits().get(0);
        assertEquals("train", train.name());
        assertEquals(240, train.records());
        assertEquals(240, train.measured());
        long truncated = data.path("train_truncated").asLong();
        assertTrue(truncated > 0 && truncated < 240, "a cut-off inside the data: " + truncated);
        assertEquals(truncated, train.longerThan(230));
        assertTrue(Files.readString(run.resolve("report.md")).contains(
                "| " + truncated + " (" + String.format(java.util.Locale.ROOT, "%.1f", 100.0 * truncated / 240) + "%) |"));
    }

    static String attribute(String html, String name) {
        Matcher m = Pattern.compile(name + "=\"([^\"]*)\"").matcher(html);
        return m.find() ? m.group(1) : null;
    }
}
