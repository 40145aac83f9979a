package dev.longtune.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** A client of the server under test: real HTTP on loopback through {@link HttpClient}. */
final class Http {

    static final ObjectMapper JSON = new ObjectMapper();

    record Reply(int status, JsonNode body, String raw) {}

    /** A streamed answer: every {@code data:} payload in order (the last is {@code [DONE]}), parsed where JSON. */
    record Stream(int status, String contentType, List<JsonNode> chunks, boolean done) {
        /** The concatenated text deltas (completions' {@code text}, chat's {@code delta.content}). */
        String text() {
            StringBuilder sb = new StringBuilder();
            for (JsonNode c : chunks) {
                JsonNode choice = c.path("choices").path(0);
                sb.append(choice.has("text") ? choice.get("text").asText() : choice.path("delta").path("content").asText(""));
            }
            return sb.toString();
        }

        String finishReason() {
            for (JsonNode c : chunks) {
                JsonNode fr = c.path("choices").path(0).path("finish_reason");
                if (fr.isTextual()) {
                    return fr.asText();
                }
            }
            return null;
        }
    }

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final URI base;

    Http(URI base) {
        this.base = base;
    }

    Reply post(String path, String body) throws IOException, InterruptedException {
        HttpResponse<String> r = client.send(request(path).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        return new Reply(r.statusCode(), parse(r.body()), r.body());
    }

    Reply post(String path, JsonNode body) throws IOException, InterruptedException {
        return post(path, JSON.writeValueAsString(body));
    }

    Reply get(String path) throws IOException, InterruptedException {
        HttpResponse<String> r = client.send(request(path).GET().build(), HttpResponse.BodyHandlers.ofString());
        return new Reply(r.statusCode(), parse(r.body()), r.body());
    }

    /** Posts a streaming request; {@code onChunk} sees each JSON chunk the moment its line arrives. */
    Stream stream(String path, JsonNode body, Consumer<JsonNode> onChunk) throws IOException, InterruptedException {
        HttpResponse<InputStream> r = client.send(request(path)
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        List<JsonNode> chunks = new ArrayList<>();
        boolean done = false;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                if (!line.startsWith("data: ")) {
                    continue;
                }
                String data = line.substring("data: ".length());
                if (data.equals("[DONE]")) {
                    done = true;
                    continue;
                }
                JsonNode chunk = JSON.readTree(data);
                chunks.add(chunk);
                onChunk.accept(chunk);
            }
        }
        return new Stream(r.statusCode(), r.headers().firstValue("content-type").orElse(""), chunks, done);
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(120))
                .header("Content-Type", "application/json");
    }

    private static JsonNode parse(String body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            return null;
        }
    }
}
