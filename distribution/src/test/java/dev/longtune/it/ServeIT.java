package dev.longtune.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.longtune.testing.Launcher;
import dev.longtune.testing.ProjectPaths;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bin/longtune serve} as a script meets it: wait for the "Serving" line, take the URL, ask, stop it. */
class ServeIT {

    private static final Pattern SERVING = Pattern.compile("^Serving (\\S+) on (http://\\S+/v1)$");

    @TempDir
    Path work;

    @Test
    void servesTheModelOnAFreePortAndStopsOnSigterm() throws Exception {
        Path dist = ProjectPaths.distribution();
        Path model = dist.resolve("examples/models/stories260K");
        ProcessBuilder pb = new ProcessBuilder(dist.resolve("bin/longtune").toString(), "serve", "--model",
                model.toString(), "--port", "0").directory(work.toFile())
                .redirectError(work.resolve("serve.err").toFile());
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().put("LONGTUNE_JAVA_OPTS", "-Xmx2g");
        String cache = System.getenv("ENGINE_CACHE_DIR");
        if (cache != null) {
            pb.environment().put("ENGINE_CACHE_DIR", cache);
        }
        Process p = pb.start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            CompletableFuture<String> first = CompletableFuture.supplyAsync(() -> {
                try {
                    return out.readLine();
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            String line = first.get(120, TimeUnit.SECONDS);
            assertNotNull(line, "serve printed nothing; stderr: " + java.nio.file.Files.readString(
                    work.resolve("serve.err")));
            Matcher m = SERVING.matcher(line);
            assertTrue(m.matches(), "the one line scripts parse: " + line);
            assertEquals("stories260K", m.group(1));
            URI base = URI.create(m.group(2));
            assertEquals("127.0.0.1", base.getHost());
            assertTrue(base.getPort() > 0);

            HttpClient client = HttpClient.newHttpClient();
            String body = "{\"model\":\"stories260K\",\"prompt\":\"Once upon a time\",\"max_tokens\":20,"
                    + "\"temperature\":0}";
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(base + "/completions"))
                    .timeout(Duration.ofSeconds(60)).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r.body());
            JsonNode answer = new ObjectMapper().readTree(r.body());
            String text = answer.at("/choices/0/text").asText();

            // The same greedy continuation as the generate command of the same distribution.
            Launcher.Result g = Launcher.run(dist, work, 120, "generate", "--model", model.toString(), "--prompt",
                    "Once upon a time", "--max-new-tokens", "20");
            assertEquals(0, g.code(), g.describe());
            List<String> lines = g.out().lines().toList();
            assertEquals(text, String.join("\n", lines), g.describe());
            assertTrue(text.length() > 20, text);
        } finally {
            p.destroy(); // SIGTERM: the shutdown hook stops the server
        }
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "serve stops on SIGTERM");
    }
}
