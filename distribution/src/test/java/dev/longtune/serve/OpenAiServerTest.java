package dev.longtune.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longtune.api.ChatTemplate;
import dev.longtune.api.LanguageModel;
import dev.longtune.cli.LongtuneCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code /v1/completions} and {@code /v1/models} on the real stories260K model, over real HTTP on loopback. */
class OpenAiServerTest {

    static final String NAME = "stories260K";
    static NDManager root;
    static LanguageModel model;
    static OpenAiServer server;
    static Http http;

    @BeforeAll
    static void start() throws Exception {
        root = RealModels.cpuManager();
        model = RealModels.load(RealModels.stories260K(), root);
        server = OpenAiServer.start(model, NAME, "127.0.0.1", 0);
        http = new Http(server.baseUrl());
    }

    @AfterAll
    static void stop() {
        server.close();
        model.close();
        root.close();
    }

    static ObjectNode completion(String prompt, int maxTokens) {
        ObjectNode body = Http.JSON.createObjectNode();
        body.put("model", NAME);
        body.put("prompt", prompt);
        body.put("max_tokens", maxTokens);
        body.put("temperature", 0);
        return body;
    }

    static String text(Http.Reply r) {
        assertEquals(200, r.status(), r.raw());
        return r.body().path("choices").path(0).path("text").asText();
    }

    @Test
    void greedyCompletionEqualsLongtuneGenerate() throws Exception {
        String prompt = "Once upon a time, there was a little dog";
        CommandLine cl = new CommandLine(new LongtuneCommand());
        StringWriter out = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(new StringWriter(), true));
        int code = cl.execute("generate", "--model", RealModels.stories260K().toString(), "--prompt", prompt,
                "--max-new-tokens", "60");
        assertEquals(0, code);
        String generated = out.toString();
        assertTrue(generated.endsWith(System.lineSeparator()), generated);
        generated = generated.substring(0, generated.length() - System.lineSeparator().length());

        Http.Reply r = http.post("/completions", completion(prompt, 60));
        assertEquals(generated, text(r));
        assertTrue(generated.length() > 40, "a real continuation: " + generated);
        JsonNode body = r.body();
        assertEquals("text_completion", body.get("object").asText());
        assertTrue(body.get("id").asText().startsWith("cmpl-"), body.toString());
        assertEquals(NAME, body.get("model").asText());
        long now = System.currentTimeMillis() / 1000;
        assertTrue(Math.abs(now - body.get("created").asLong()) < 120, body.toString());
        int promptTokens = model.tokenizer().encodeWithBos(prompt).length;
        JsonNode usage = body.get("usage");
        assertEquals(promptTokens, usage.get("prompt_tokens").asInt());
        int completionTokens = usage.get("completion_tokens").asInt();
        assertEquals(promptTokens + completionTokens, usage.get("total_tokens").asInt());
        String finish = body.at("/choices/0/finish_reason").asText();
        // "length" exactly when all 60 tokens were used; "stop" means the model ended with EOS before that.
        assertEquals(completionTokens == 60 ? "length" : "stop", finish, body.toString());
    }

    @Test
    void eightConcurrentClientsEachGetTheAnswerTheyGetAlone() throws Exception {
        List<String> prompts = List.of("Once upon a time", "The cat sat", "Lily wanted to", "Tom had a big",
                "One day, the sun", "The little bird", "Mom said", "In the park");
        List<String> alone = new ArrayList<>();
        for (String p : prompts) {
            alone.add(text(http.post("/completions", completion(p, 24))));
        }
        assertEquals(prompts.size(), alone.stream().distinct().count(), "different prompts, different answers: "
                + alone);
        ExecutorService pool = Executors.newFixedThreadPool(prompts.size());
        try {
            List<Future<String>> answers = new ArrayList<>();
            long start = System.nanoTime();
            for (int i = 0; i < prompts.size(); i++) {
                String p = prompts.get(i);
                boolean streamIt = i % 2 == 1; // half of them stream, half wait for the whole answer
                answers.add(pool.submit((Callable<String>) () -> {
                    if (!streamIt) {
                        return text(http.post("/completions", completion(p, 24)));
                    }
                    ObjectNode body = completion(p, 24);
                    body.put("stream", true);
                    Http.Stream s = http.stream("/completions", body, c -> {});
                    assertEquals(200, s.status());
                    assertTrue(s.done(), "stream ends with [DONE]");
                    return s.text();
                }));
            }
            for (int i = 0; i < prompts.size(); i++) {
                assertEquals(alone.get(i), answers.get(i).get(), "client " + i + " (" + prompts.get(i) + ")");
            }
            System.out.printf("8 concurrent clients answered in %.2f s%n", (System.nanoTime() - start) / 1e9);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void streamedCompletionHasOpenAiChunksAndTheSameText() throws Exception {
        String prompt = "The dog ran";
        String whole = text(http.post("/completions", completion(prompt, 25)));
        ObjectNode body = completion(prompt, 25);
        body.put("stream", true);
        body.putObject("stream_options").put("include_usage", true);
        Http.Stream s = http.stream("/completions", body, c -> {});
        assertEquals(200, s.status());
        assertTrue(s.contentType().startsWith("text/event-stream"), s.contentType());
        assertTrue(s.done());
        assertEquals(whole, s.text());
        assertTrue(s.chunks().size() > 5, "one chunk per token, got " + s.chunks().size());
        String id = s.chunks().get(0).get("id").asText();
        for (JsonNode c : s.chunks()) {
            assertEquals(id, c.get("id").asText(), "one id for the whole stream");
            assertEquals("text_completion", c.get("object").asText());
        }
        JsonNode usage = s.chunks().get(s.chunks().size() - 1).get("usage");
        assertNotNull(usage, "include_usage: a last chunk with usage");
        assertEquals(model.tokenizer().encodeWithBos(prompt).length, usage.get("prompt_tokens").asInt());
    }

    @Test
    void stopStringsCutTheAnswerBeforeTheirFirstOccurrence() throws Exception {
        String prompt = "Once upon a time";
        String whole = text(http.post("/completions", completion(prompt, 40)));
        // A stop string taken from the middle of the greedy answer (two characters, so it spans tokens sometimes).
        int at = whole.indexOf(' ', whole.length() / 2);
        String stop = whole.substring(at, at + 2);
        String expected = whole.substring(0, whole.indexOf(stop));

        ObjectNode body = completion(prompt, 40);
        body.putArray("stop").add(stop).add("never-in-this-story");
        Http.Reply r = http.post("/completions", body);
        assertEquals(expected, text(r));
        assertEquals("stop", r.body().at("/choices/0/finish_reason").asText());
        assertTrue(r.body().at("/usage/completion_tokens").asInt() < 40, r.raw());

        body.put("stream", true);
        Http.Stream s = http.stream("/completions", body, c -> {});
        assertEquals(expected, s.text());
        assertEquals("stop", s.finishReason());
    }

    @Test
    void maxTokensEndsWithLengthAndDefaultsToSixteen() throws Exception {
        ObjectNode body = completion("Once upon a time", 3);
        Http.Reply r = http.post("/completions", body);
        assertEquals("length", r.body().at("/choices/0/finish_reason").asText(), r.raw());
        assertEquals(3, r.body().at("/usage/completion_tokens").asInt());

        body.remove("max_tokens");
        r = http.post("/completions", body);
        assertEquals(200, r.status(), r.raw());
        assertEquals(16, r.body().at("/usage/completion_tokens").asInt(), r.raw());
    }

    @Test
    void modelsListsTheServedModel() throws Exception {
        Http.Reply r = http.get("/models");
        assertEquals(200, r.status());
        assertEquals("list", r.body().get("object").asText());
        assertEquals(1, r.body().get("data").size());
        assertEquals(NAME, r.body().at("/data/0/id").asText());
        assertEquals("model", r.body().at("/data/0/object").asText());
    }

    @Test
    void badRequestsGetOpenAiStyleErrorsNamingTheParameter() throws Exception {
        assertError(http.post("/completions", "{\"model\": \"stories260K\", \"prompt\": "), 400,
                "invalid_request_error", null, null);
        assertError(http.post("/completions", "[1, 2]"), 400, "invalid_request_error", null, null);

        ObjectNode unknownModel = completion("Hi", 5);
        unknownModel.put("model", "gpt-4");
        Http.Reply r = assertError(http.post("/completions", unknownModel), 400, "invalid_request_error", "model",
                "model_not_found");
        assertTrue(r.body().at("/error/message").asText().contains("gpt-4"), r.raw());

        ObjectNode n2 = completion("Hi", 5);
        n2.put("n", 2);
        assertError(http.post("/completions", n2), 400, "invalid_request_error", "n", null);

        ObjectNode badType = completion("Hi", 5);
        badType.put("max_tokens", "ten");
        assertError(http.post("/completions", badType), 400, "invalid_request_error", "max_tokens", null);
        ObjectNode hot = completion("Hi", 5);
        hot.put("temperature", "hot");
        assertError(http.post("/completions", hot), 400, "invalid_request_error", "temperature", null);
        ObjectNode streamYes = completion("Hi", 5);
        streamYes.put("stream", "yes");
        assertError(http.post("/completions", streamYes), 400, "invalid_request_error", "stream", null);
        ObjectNode promptList = completion("Hi", 5);
        promptList.putArray("prompt").add(1).add(2);
        assertError(http.post("/completions", promptList), 400, "invalid_request_error", "prompt", null);
        ObjectNode noModel = completion("Hi", 5);
        noModel.remove("model");
        assertError(http.post("/completions", noModel), 400, "invalid_request_error", "model", null);
        ObjectNode echo = completion("Hi", 5);
        echo.put("echo", true);
        assertError(http.post("/completions", echo), 400, "invalid_request_error", "echo", null);
        ObjectNode logprobs = completion("Hi", 5);
        logprobs.put("logprobs", 3);
        assertError(http.post("/completions", logprobs), 400, "invalid_request_error", "logprobs", null);
        ObjectNode unknownArg = completion("Hi", 5);
        unknownArg.put("temprature", 0.5);
        assertError(http.post("/completions", unknownArg), 400, "invalid_request_error", "temprature", null);

        ObjectNode tooLong = completion("Once upon a time", 510);
        assertError(http.post("/completions", tooLong), 400, "invalid_request_error", "prompt",
                "context_length_exceeded");

        ObjectNode chatBad = Http.JSON.createObjectNode();
        chatBad.put("model", NAME);
        chatBad.put("messages", "hello");
        assertError(http.post("/chat/completions", chatBad), 400, "invalid_request_error", "messages", null);
        chatBad.putArray("messages").addObject().put("role", "wizard").put("content", "hi");
        assertError(http.post("/chat/completions", chatBad), 400, "invalid_request_error", "messages[0].role", null);

        assertError(http.post("/embeddings", completion("Hi", 5)), 404, "invalid_request_error", null, "not_found");
        assertError(http.get("/completions"), 405, "invalid_request_error", null, "method_not_allowed");

        // And the server still answers a good request.
        assertFalse(text(http.post("/completions", completion("Once upon a time", 5))).isEmpty());
    }

    static Http.Reply assertError(Http.Reply r, int status, String type, String param, String code) {
        assertEquals(status, r.status(), r.raw());
        JsonNode e = r.body().get("error");
        assertNotNull(e, r.raw());
        assertEquals(type, e.get("type").asText(), r.raw());
        assertEquals(param, e.get("param").isNull() ? null : e.get("param").asText(), r.raw());
        assertEquals(code, e.get("code").isNull() ? null : e.get("code").asText(), r.raw());
        assertFalse(e.get("message").asText().isBlank(), r.raw());
        assertFalse(r.raw().contains("Exception") || r.raw().contains("\tat "), "no stack trace: " + r.raw());
        return r;
    }

    @Test
    void aPortInUseIsOneClearError() {
        dev.longtune.api.LongtuneException e = org.junit.jupiter.api.Assertions.assertThrows(
                dev.longtune.api.LongtuneException.class,
                () -> OpenAiServer.start(model, NAME, "127.0.0.1", server.port()));
        assertTrue(e.getMessage().contains("cannot listen on 127.0.0.1:" + server.port()), e.getMessage());
        assertTrue(e.getMessage().contains("--port"), e.getMessage());
    }

    @Test
    void aModelWithoutChatTemplateSendsChatToCompletions() throws Exception {
        LanguageModel noTemplate = new DelegatingModel(model) {
            @Override
            public Optional<ChatTemplate> chatTemplate() {
                return Optional.empty();
            }
        };
        try (OpenAiServer s = OpenAiServer.start(noTemplate, "plain", "127.0.0.1", 0)) {
            ObjectNode body = Http.JSON.createObjectNode();
            body.put("model", "plain");
            body.putArray("messages").addObject().put("role", "user").put("content", "hi");
            Http.Reply r = assertError(new Http(s.baseUrl()).post("/chat/completions", body), 400,
                    "invalid_request_error", "messages", "no_chat_template");
            assertTrue(r.body().at("/error/message").asText().contains("/v1/completions"), r.raw());
        }
    }
}
