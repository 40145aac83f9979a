package dev.longtune.host.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code report.html} opens offline and renders in headless Chromium (Debian's {@code chromium}) with every picture
 * present: the report's own script counts decoded {@code <img>} elements into {@code <body>} attributes, read back
 * from Chromium's serialised DOM; a screenshot is not blank; and the page's Content-Security-Policy makes Chromium
 * refuse anything that is not inline. Skipped when /usr/bin/chromium is absent — except in CI ({@code CI} set),
 * whose {@code .ci/run} installs it, so the check cannot silently stop running there.
 */
class ReportChromiumTest {

    /** Debian's chromium; {@code -Dlongtune.chromium=PATH} points elsewhere (and shows the skip with a wrong path). */
    static final Path CHROMIUM = Path.of(System.getProperty("longtune.chromium", "/usr/bin/chromium"));

    @BeforeEach
    void needsChromium() {
        if (!Files.isExecutable(CHROMIUM)) {
            if (System.getenv("CI") != null) {
                fail("CI must have Debian's chromium at " + CHROMIUM + " (.ci/run installs it)");
            }
            String why = "skipped: " + CHROMIUM + " is not installed (apt-get install chromium)";
            System.out.println("ReportChromiumTest " + why);
            Assumptions.assumeTrue(false, why);
        }
    }

    @Test
    void everyPictureRendersOfflineInChromium() throws Exception {
        Path run = ReportRuns.training();
        Path html = run.resolve("report.html");
        int expected = 2;
        for (var a : new com.fasterxml.jackson.databind.ObjectMapper().readTree(run.resolve("results.json").toFile())
                .path("artifacts")) {
            expected += a.asText().endsWith(".png") ? 1 : 0;
        }
        assertEquals(4, expected, "lengths + training charts + needle before/after");

        String dom = chromium(List.of("--dump-dom", "--virtual-time-budget=5000"), html);
        assertEquals(String.valueOf(expected), ReportFilesTest.attribute(dom, "data-images-total"), "images in the DOM");
        assertEquals(String.valueOf(expected), ReportFilesTest.attribute(dom, "data-images-loaded"), "decoded images");
        assertEquals("0", ReportFilesTest.attribute(dom, "data-images-broken"), "broken images");
        assertTrue(dom.contains("Repeat: &lt;/script&gt;&lt;img src=x"), "the hostile sample is text in the DOM");
    }

    @Test
    void screenshotIsNotBlank() throws Exception {
        Path html = ReportRuns.training().resolve("report.html");
        Path shotDir = Files.createTempDirectory("report-shot");
        Path shot = shotDir.resolve("report.png");
        chromium(List.of("--screenshot=" + shot, "--window-size=1280,2400", "--hide-scrollbars"), html);
        BufferedImage image = ImageIO.read(shot.toFile());
        ReportRuns.deleteTree(shotDir);
        assertEquals(1280, image.getWidth());
        long ink = 0;
        Set<Integer> colours = new HashSet<>();
        for (int y = 0; y < image.getHeight(); y += 2) {
            for (int x = 0; x < image.getWidth(); x += 2) {
                int rgb = image.getRGB(x, y) & 0xFFFFFF;
                colours.add(rgb);
                if (rgb != 0xFFFFFF) {
                    ink++;
                }
            }
        }
        double inked = ink / (image.getWidth() / 2.0 * image.getHeight() / 2.0);
        System.out.printf("report.html screenshot: %.1f%% inked, %d distinct colours%n", 100 * inked, colours.size());
        // Text, tables and the charts: a blank or error page has a few colours and almost no ink.
        assertTrue(inked > 0.03, "inked fraction " + inked);
        assertTrue(colours.size() > 200, "distinct colours " + colours.size());
    }

    /** The file asks for nothing outside itself, and Chromium enforces it: an external picture stays broken. */
    @Test
    void nothingOutsideTheFileIsLoaded() throws Exception {
        Path run = ReportRuns.training();
        String text = Files.readString(run.resolve("report.html"));
        assertTrue(text.contains("<meta http-equiv=\"Content-Security-Policy\" content=\"" + HtmlReport.CSP + "\">"));
        assertFalse(Pattern.compile("(?i)(src|href)\\s*=\\s*[\"']?\\s*(https?:|//|file:)").matcher(text).find(),
                "no external src/href");
        assertEquals(0, ReportEscapingTest.count(text, "<link"), "no stylesheet links");

        // The same report with one picture that would need a request (loopback, a port nothing listens on):
        // the policy must stop it, and the script must count it as broken.
        Path tampered = run.resolve("report-tampered.html");
        Files.writeString(tampered, text.replace("<h2 id=\"run\">",
                "<img alt=\"external\" src=\"http://127.0.0.1:9/x.png\"><h2 id=\"run\">"), StandardCharsets.UTF_8);
        try {
            String dom = chromium(List.of("--dump-dom", "--virtual-time-budget=5000"), tampered);
            assertEquals("1", ReportFilesTest.attribute(dom, "data-images-broken"), "the external picture is refused");
        } finally {
            Files.delete(tampered);
        }
    }

    /** Runs headless Chromium on {@code file} with a fresh profile; returns its standard output. */
    static String chromium(List<String> args, Path file) throws IOException, InterruptedException {
        Path profile = Files.createTempDirectory("chromium-profile");
        List<String> cmd = new ArrayList<>(List.of(CHROMIUM.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-dev-shm-usage", "--user-data-dir=" + profile));
        cmd.addAll(args);
        cmd.add(file.toUri().toString());
        Path err = profile.resolveSibling(profile.getFileName() + ".err");
        Path out = profile.resolveSibling(profile.getFileName() + ".out");
        try {
            // Output to a file, not a pipe, so a hung browser cannot block the read and the timeout always applies.
            Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly); // renderer and zygote processes too
                p.destroyForcibly();
                fail("chromium did not finish in 120 s: " + cmd);
            }
            assertEquals(0, p.exitValue(), "chromium failed: " + Files.readString(err));
            return Files.readString(out, StandardCharsets.UTF_8);
        } finally {
            ReportRuns.deleteTree(profile);
            Files.deleteIfExists(err);
            Files.deleteIfExists(out);
        }
    }
}
