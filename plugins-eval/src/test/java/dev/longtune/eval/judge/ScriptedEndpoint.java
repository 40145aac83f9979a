package dev.longtune.eval.judge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small OpenAI-compatible chat-completions server on loopback, standing in for the remote judge (a GPT-4 is outside
 * the product). A {@link Script} decides each reply; the server keeps every request, counts them, and measures how
 * many were in flight at once.
 */
final class ScriptedEndpoint implements AutoCloseable {

    static final ObjectMapper JSON = new ObjectMapper();

    /** One request as the server saw it. */
    record Request(int index, String authorization, JsonNode body) {

        String model() {
            return body.path("model").asText();
        }

        String system() {
            JsonNode first = body.path("messages").path(0);
            return first.path("role").asText().equals("system") ? first.path("content").asText() : null;
        }

        /** The last message's text: the judge's filled template, or the opponent's question. */
        String user() {
            JsonNode messages = body.path("messages");
            return messages.path(messages.size() - 1).path("content").asText();
        }

        String answerA() {
            return between(user(), "[The Start of Assistant A's Answer]\n", "\n[The End of Assistant A's Answer]");
        }

        String answerB() {
            return between(user(), "[The Start of Assistant B's Answer]\n", "\n[The End of Assistant B's Answer]");
        }

        String question() {
            return between(user(), "[User Question]\n", "\n\n[The Start of Assistant A's Answer]");
        }

        private static String between(String text, String start, String end) {
            int s = text.indexOf(start);
            int e = text.indexOf(end, s + start.length());
            if (s < 0 || e < 0) {
                throw new AssertionError("not a pair-v2 judge prompt: " + text);
            }
            return text.substring(s + start.length(), e);
        }
    }

    /** A reply: status, body, headers, and how long to wait before sending it. */
    record Reply(int status, String body, Map<String, String> headers, long delayMillis, long stallMillis) {

        /** 200 with a chat completion whose message is {@code content}. */
        static Reply content(String content) {
            ObjectNode root = JSON.createObjectNode().put("id", "chatcmpl-test").put("object", "chat.completion");
            ObjectNode choice = root.putArray("choices").addObject();
            choice.put("index", 0).put("finish_reason", "stop");
            choice.putObject("message").put("role", "assistant").put("content", content);
            return new Reply(200, root.toString(), Map.of(), 0, 0);
        }

        /** An error status with an OpenAI-style {@code {"error": {"message": …}}} body. */
        static Reply error(int status, String message) {
            ObjectNode root = JSON.createObjectNode();
            root.putObject("error").put("message", message).put("type", "test");
            return new Reply(status, root.toString(), Map.of(), 0, 0);
        }

        Reply header(String name, String value) {
            Map<String, String> h = new LinkedHashMap<>(headers);
            h.put(name, value);
            return new Reply(status, body, h, delayMillis, stallMillis);
        }

        Reply after(long millis) {
            return new Reply(status, body, headers, millis, stallMillis);
        }

        /** Sends the headers and half the body at once, the rest {@code millis} later. */
        Reply stallingBody(long millis) {
            return new Reply(status, body, headers, delayMillis, millis);
        }
    }

    /** Chooses the reply to a request. */
    interface Script {
        Reply reply(Request request);
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final List<Request> requests = new ArrayList<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger maxInFlight = new AtomicInteger();
    private volatile Script script;

    ScriptedEndpoint(Script script) throws IOException {
        this.script = script;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        server.createContext("/v1/chat/completions", this::handle);
        server.setExecutor(executor); // one thread per request, so concurrency on the client side is visible here
        server.start();
    }

    /** A judge that always answers {@code text}. */
    static Script always(String text) {
        return r -> Reply.content(text);
    }

    String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
    }

    void script(Script script) {
        this.script = script;
    }

    List<Request> requests() {
        synchronized (requests) {
            return List.copyOf(requests);
        }
    }

    int count() {
        return requests().size();
    }

    int maxInFlight() {
        return maxInFlight.get();
    }

    private void handle(HttpExchange exchange) throws IOException {
        int now = inFlight.incrementAndGet();
        maxInFlight.accumulateAndGet(now, Math::max);
        try {
            JsonNode body = JSON.readTree(exchange.getRequestBody().readAllBytes());
            Request request;
            synchronized (requests) {
                request = new Request(requests.size(), exchange.getRequestHeaders().getFirst("Authorization"), body);
                requests.add(request);
            }
            Reply reply;
            try {
                reply = script.reply(request);
            } catch (RuntimeException | AssertionError e) {
                // Surfaces in the client's error message instead of looking like a network fault.
                reply = Reply.error(500, "script failed: " + e);
            }
            if (reply.delayMillis() > 0) {
                Thread.sleep(reply.delayMillis());
            }
            byte[] bytes = reply.body().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            reply.headers().forEach((k, v) -> exchange.getResponseHeaders().set(k, v));
            exchange.sendResponseHeaders(reply.status(), bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                if (reply.stallMillis() > 0) {
                    out.write(bytes, 0, bytes.length / 2);
                    out.flush();
                    Thread.sleep(reply.stallMillis());
                    out.write(bytes, bytes.length / 2, bytes.length - bytes.length / 2);
                } else {
                    out.write(bytes);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            // The client gave up (timeout): nobody is listening for the reply.
        } finally {
            inFlight.decrementAndGet();
            exchange.close();
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
