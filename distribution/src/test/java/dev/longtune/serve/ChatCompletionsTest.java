package dev.longtune.serve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longtune.api.Generation;
import dev.longtune.api.GenerationOptions;
import dev.longtune.api.LanguageModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code /v1/chat/completions} on stories260K given a chat template of its own (a copy of the folder with a
 * {@code chat_template} in {@code tokenizer_config.json}): the messages reach the model rendered by that template.
 */
class ChatCompletionsTest {

    /** A template simple enough to render by hand below. */
    static final String TEMPLATE = "{{ bos_token }}{% for m in messages %}[{{ m['role'] }}] {{ m['content'] }}\n"
            + "{% endfor %}{% if add_generation_prompt %}[assistant]:{% endif %}";

    @TempDir
    static Path dir;

    static NDManager root;
    static LanguageModel real;
    static final List<int[]> prompts = new CopyOnWriteArrayList<>();
    static final List<GenerationOptions> options = new CopyOnWriteArrayList<>();
    static OpenAiServer server;
    static Http http;

    @BeforeAll
    static void start() throws Exception {
        Path model = dir.resolve("stories-chat");
        Files.createDirectories(model);
        try (Stream<Path> files = Files.list(RealModels.stories260K())) {
            for (Path f : files.toList()) {
                Files.copy(f, model.resolve(f.getFileName()));
            }
        }
        ObjectNode tc = (ObjectNode) Http.JSON.readTree(model.resolve("tokenizer_config.json").toFile());
        tc.put("chat_template", TEMPLATE);
        Http.JSON.writeValue(model.resolve("tokenizer_config.json").toFile(), tc);
        root = RealModels.cpuManager();
        real = RealModels.load(model, root);
        LanguageModel recording = new DelegatingModel(real) {
            @Override
            public Generation generate(int[] promptIds, GenerationOptions options, TokenListener listener) {
                prompts.add(promptIds.clone());
                ChatCompletionsTest.options.add(options);
                return super.generate(promptIds, options, listener);
            }
        };
        server = OpenAiServer.start(recording, "stories-chat", "127.0.0.1", 0);
        http = new Http(server.baseUrl());
    }

    @AfterAll
    static void stop() {
        server.close();
        real.close();
        root.close();
    }

    static ObjectNode chat(String system, String user, int maxTokens) {
        ObjectNode body = Http.JSON.createObjectNode();
        body.put("model", "stories-chat");
        ArrayNode messages = body.putArray("messages");
        messages.addObject().put("role", "system").put("content", system);
        messages.addObject().put("role", "user").put("content", user);
        body.put("max_tokens", maxTokens);
        body.put("temperature", 0);
        return body;
    }

    @Test
    void messagesAreRenderedWithTheModelsTemplate() throws Exception {
        prompts.clear();
        Http.Reply r = http.post("/chat/completions", chat("You tell stories.", "Once upon a time", 20));
        assertEquals(200, r.status(), r.raw());
        // Rendered by hand from TEMPLATE (bos_token is "<s>" in tokenizer_config.json, BOS id 1).
        String rendered = "<s>[system] You tell stories.\n[user] Once upon a time\n[assistant]:";
        int[] expected = real.tokenizer().encode(rendered);
        assertEquals(1, expected[0], "the template's <s> is the BOS token");
        assertEquals(1, prompts.size());
        assertArrayEquals(expected, prompts.get(0));

        JsonNode body = r.body();
        assertEquals("chat.completion", body.get("object").asText());
        assertTrue(body.get("id").asText().startsWith("chatcmpl-"));
        assertEquals("assistant", body.at("/choices/0/message/role").asText());
        String content = body.at("/choices/0/message/content").asText();
        assertFalse(content.isEmpty());
        assertEquals(expected.length, body.at("/usage/prompt_tokens").asInt());

        // And the answer is the model's own greedy continuation of exactly those ids (no server in between).
        Generation direct = real.generate(expected, GenerationOptions.greedy(20), LanguageModel.TokenListener.NONE);
        assertEquals(direct.text(), content);
    }

    @Test
    void streamedChatStartsWithTheRoleAndCarriesTheSameContent() throws Exception {
        String whole = http.post("/chat/completions", chat("Be kind.", "Tell me about a cat.", 20)).body()
                .at("/choices/0/message/content").asText();
        ObjectNode body = chat("Be kind.", "Tell me about a cat.", 20);
        body.put("stream", true);
        Http.Stream s = http.stream("/chat/completions", body, c -> {});
        assertEquals(200, s.status());
        assertTrue(s.done());
        JsonNode first = s.chunks().get(0);
        assertEquals("chat.completion.chunk", first.get("object").asText());
        assertEquals("assistant", first.at("/choices/0/delta/role").asText());
        assertEquals(whole, s.text());
        JsonNode last = s.chunks().get(s.chunks().size() - 1);
        assertTrue(last.at("/choices/0/delta").isEmpty(), last.toString());
        assertTrue(List.of("stop", "length").contains(last.at("/choices/0/finish_reason").asText()));
    }

    @Test
    void withoutMaxTokensAChatMayUseTheRestOfTheContext() throws Exception {
        ObjectNode body = chat("You tell stories.", "Once upon a time", 1);
        body.remove("max_tokens");
        body.put("stop", "."); // ends the answer at its first sentence: the test need not decode 470 tokens
        options.clear();
        Http.Reply r = http.post("/chat/completions", body);
        assertEquals(200, r.status(), r.raw());
        int prompt = r.body().at("/usage/prompt_tokens").asInt();
        assertEquals(512 - prompt, options.get(0).maxNewTokens(), "the rest of the 512-token context");
        int used = r.body().at("/usage/completion_tokens").asInt();
        String finish = r.body().at("/choices/0/finish_reason").asText();
        assertEquals(used == 512 - prompt ? "length" : "stop", finish, r.raw());
    }

    /**
     * A stand-in for a remote judge (as the judge evaluator's tests use): it answers "[[A]]" at once, through the
     * returned {@link Generation} only, never calling the token listener. Both answer forms must still carry it.
     */
    @Test
    void aModelThatAnswersWithoutStreamingTokensIsServedToo() throws Exception {
        LanguageModel judge = new DelegatingModel(real) {
            @Override
            public Generation generate(int[] promptIds, GenerationOptions options, TokenListener listener) {
                int[] ids = real.tokenizer().encode("[[A]]");
                return new Generation(ids, real.tokenizer().decode(ids), promptIds.length, 1);
            }
        };
        try (OpenAiServer s = OpenAiServer.start(judge, "judge", "127.0.0.1", 0)) {
            Http judgeHttp = new Http(s.baseUrl());
            ObjectNode body = chat("You are a fair judge.", "Which answer is better, A or B?", 50);
            body.put("model", "judge");
            Http.Reply r = judgeHttp.post("/chat/completions", body);
            assertEquals(200, r.status(), r.raw());
            assertEquals("[[A]]", r.body().at("/choices/0/message/content").asText());
            assertEquals(real.tokenizer().encode("[[A]]").length, r.body().at("/usage/completion_tokens").asInt());
            assertEquals("stop", r.body().at("/choices/0/finish_reason").asText(),
                    "it ended by itself, before max_tokens: " + r.raw());
            body.put("stream", true);
            Http.Stream st = judgeHttp.stream("/chat/completions", body, c -> {});
            assertEquals("[[A]]", st.text());
            assertTrue(st.done());
        }
    }
}
