package dev.longtune.eval.judge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longtune.api.LongtuneException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One OpenAI-compatible chat-completions endpoint ({@code POST {base_url}/chat/completions}), called with the JDK's
 * {@link HttpClient}. Retries 429, 5xx, timeouts and connection errors with {@link Backoff}; any other 4xx means the
 * request itself is wrong (bad key, unknown model) and fails at once with the server's own message. The API key is
 * only ever put in the {@code Authorization} header, never in a message.
 */
final class ChatEndpoint {

    /** One chat message. */
    record Message(String role, String content) {}

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String who;
    private final URI uri;
    private final String model;
    private final String apiKey;
    private final Duration timeout;
    private final int maxRetries;
    private final Backoff backoff;
    private final HttpClient http;
    private final AtomicInteger answers = new AtomicInteger();
    private final AtomicInteger retries = new AtomicInteger();

    /**
     * @param who what this endpoint is to the user ("judge", "opponent"), for messages
     * @param apiKey sent as a bearer token; null sends no {@code Authorization} header
     */
    ChatEndpoint(String who, String baseUrl, String model, String apiKey, Duration timeout, int maxRetries,
            Backoff backoff, HttpClient http) {
        this.who = who;
        this.uri = URI.create(baseUrl + "/chat/completions");
        this.model = model;
        this.apiKey = apiKey;
        this.timeout = timeout;
        this.maxRetries = maxRetries;
        this.backoff = backoff;
        this.http = http;
    }

    /** A client for these endpoints: HTTP/1.1 (every OpenAI-compatible server speaks it), connect timeout as given. */
    static HttpClient client(Duration connectTimeout) {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(connectTimeout).build();
    }

    String model() {
        return model;
    }

    URI uri() {
        return uri;
    }

    /** Answers received (each paid for once). */
    int answers() {
        return answers.get();
    }

    /** Attempts that failed and were tried again. */
    int retries() {
        return retries.get();
    }

    /** The request body: what the cache key is made of, too. */
    static ObjectNode body(String model, List<Message> messages, double temperature, int maxTokens) {
        ObjectNode body = JSON.createObjectNode();
        body.put("model", model);
        ArrayNode list = body.putArray("messages");
        for (Message m : messages) {
            list.addObject().put("role", m.role()).put("content", m.content());
        }
        body.put("temperature", temperature);
        body.put("max_tokens", maxTokens);
        body.put("n", 1);
        return body;
    }

    /** The assistant's reply to {@code messages}; throws {@link LongtuneException} once retries are spent. */
    String complete(List<Message> messages, double temperature, int maxTokens) throws InterruptedException {
        byte[] body;
        try {
            body = JSON.writeValueAsBytes(body(model, messages, temperature, maxTokens));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        HttpRequest.Builder builder = HttpRequest.newBuilder(uri).timeout(timeout)
                .header("Content-Type", "application/json").header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (apiKey != null) {
            builder.header("Authorization", "Bearer " + apiKey);
        }
        HttpRequest request = builder.build();
        String last = null;
        for (int attempt = 0; ; attempt++) {
            Optional<Duration> retryAfter = Optional.empty();
            try {
                HttpResponse<String> response = send(request);
                int status = response.statusCode();
                if (status >= 200 && status < 300) {
                    String content = content(response.body());
                    answers.incrementAndGet();
                    return content;
                }
                String message = serverMessage(response.body());
                if (status != 429 && status < 500) {
                    throw new LongtuneException(who + " endpoint: POST " + uri + " answered HTTP " + status + ": "
                            + message + " (not retried: " + hint(status) + ")");
                }
                last = "HTTP " + status + ": " + message;
                retryAfter = Backoff.retryAfter(response.headers(), Instant.now());
            } catch (HttpTimeoutException e) {
                last = "no answer within " + seconds(timeout) + " s (timeout_seconds)";
            } catch (IOException e) {
                last = "connection failed: " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
            }
            if (attempt >= maxRetries) {
                throw new LongtuneException(who + " endpoint: POST " + uri + " failed after " + (attempt + 1)
                        + " attempt" + (attempt == 0 ? "" : "s") + "; last: " + last + ". Check that the server at "
                        + "this URL is up and serves model '" + model + "', or raise max_retries / timeout_seconds.");
            }
            retries.incrementAndGet();
            Thread.sleep(backoff.delay(attempt, retryAfter).toMillis());
        }
    }

    /**
     * Sends and reads the whole answer within {@code timeout}. The request's own timeout stops at the response
     * headers; a server that sends them at once and then stalls in the body is cut off here too.
     */
    private HttpResponse<String> send(HttpRequest request) throws IOException, InterruptedException {
        CompletableFuture<HttpResponse<String>> pending = http.sendAsync(request,
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        try {
            return pending.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            pending.cancel(true);
            throw new HttpTimeoutException("no complete answer within the timeout");
        } catch (InterruptedException e) {
            pending.cancel(true);
            throw e;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IOException(e.getCause());
        }
    }

    /** {@code choices[0].message.content}; a null content (e.g. a refusal) is an empty judgment, not a failure. */
    private String content(String body) {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (IOException e) {
            root = null;
        }
        JsonNode message = root == null ? null : root.path("choices").path(0).path("message");
        if (message == null || !message.isObject()) {
            throw new LongtuneException(who + " endpoint: POST " + uri + " answered HTTP 200 but not with a chat "
                    + "completion (no choices[0].message): " + excerpt(body) + ". Is base_url an OpenAI-compatible "
                    + "API root (usually ending in /v1)?");
        }
        JsonNode content = message.get("content");
        return content == null || content.isNull() ? "" : content.asText();
    }

    /** The OpenAI-style {@code error.message}, or {@code detail}, or the start of the body. */
    static String serverMessage(String body) {
        try {
            JsonNode root = JSON.readTree(body);
            if (root != null) {
                JsonNode error = root.get("error");
                if (error != null && error.hasNonNull("message")) {
                    return error.get("message").asText();
                }
                if (error != null && error.isTextual()) {
                    return error.asText();
                }
                if (root.hasNonNull("detail")) {
                    return root.get("detail").toString();
                }
            }
        } catch (IOException notJson) {
            // the body itself says it best
        }
        return excerpt(body);
    }

    private static String hint(int status) {
        return switch (status) {
            case 401, 403 -> "check the API key in the environment variable named by api_key_env";
            case 404 -> "check base_url (it usually ends in /v1) and the model id";
            default -> "a 4xx other than 429 means the request itself is wrong";
        };
    }

    private static String excerpt(String body) {
        if (body == null || body.isBlank()) {
            return "(empty body)";
        }
        String b = body.strip().replaceAll("\\s+", " ");
        return b.length() > 300 ? b.substring(0, 300) + "…" : b;
    }

    private static String seconds(Duration d) {
        return java.math.BigDecimal.valueOf(d.toMillis()).movePointLeft(3).stripTrailingZeros().toPlainString();
    }
}
