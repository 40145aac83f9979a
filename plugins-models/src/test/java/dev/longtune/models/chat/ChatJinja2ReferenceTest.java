package dev.longtune.models.chat;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.longtune.api.ChatMessage;
import dev.longtune.api.LongtuneException;
import dev.longtune.conformance.Fixtures;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Every shared Hub template rendered by {@link JinjaChatTemplate} against Python Jinja2's render of it in
 * transformers' chat-template environment ({@code jinja2-reference.json}, made by {@code jinja2_reference.py} beside
 * it). Four conversations: plain, with a system message, without a generation prompt, and with a tool.
 */
class ChatJinja2ReferenceTest {

    private static final Clock FIXED = Clock.fixed(Instant.parse("2025-03-05T10:15:00Z"), ZoneOffset.UTC);

    /**
     * Known differences, template [case]. Functionary v3.1 concatenates {@code "..."|safe + text}: Jinja2's Markup
     * HTML-escapes the plain operand (the Hub render contains {@code &#34;}); Jinjava has no Markup type.
     */
    private static final Set<String> KNOWN = Set.of("meetkai-functionary-medium-v3.1.jinja [tools]");

    private static final Map<String, List<ChatMessage>> CASES = Map.of(
            "plain", List.of(ChatMessage.user("Hi"), ChatMessage.assistant("Hello"), ChatMessage.user("Bye")),
            "system", List.of(ChatMessage.system("S"), ChatMessage.user("Hi"), ChatMessage.assistant("Hello"),
                    ChatMessage.user("Bye")),
            "nogen", List.of(ChatMessage.system("Be brief."), ChatMessage.user(" What is 2+2? ")),
            "tools", List.of(ChatMessage.system("S"), ChatMessage.user("Hi"), ChatMessage.assistant("Hello"),
                    ChatMessage.user("Bye")));

    @Test
    void sharedTemplatesRenderAsJinja2Does() throws Exception {
        Path dir = Fixtures.sharedOrSkip("models/llama.cpp-vocab-fixtures/templates/README.md").getParent();
        ObjectMapper json = new ObjectMapper();
        JsonNode ref;
        try (InputStream in = getClass().getResourceAsStream("jinja2-reference.json")) {
            ref = json.readTree(in);
        }
        Object tools = json.readValue("[{\"type\": \"function\", \"function\": {\"name\": \"get_weather\", "
                + "\"description\": \"Get the weather\", \"parameters\": {\"type\": \"object\", \"properties\": "
                + "{\"city\": {\"type\": \"string\", \"description\": \"City name\"}, \"days\": {\"type\": "
                + "\"integer\"}}, \"required\": [\"city\"]}}}]", List.class);
        List<String> mismatches = new ArrayList<>();
        int identical = 0;
        int jinja2Errors = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it = ref.get("templates").properties().iterator(); it.hasNext();) {
            Map.Entry<String, JsonNode> t = it.next();
            Path file = dir.resolve(t.getKey());
            if (!Files.isRegularFile(file)) {
                continue;
            }
            JinjaChatTemplate template = new JinjaChatTemplate(Files.readString(file), "<s>", "</s>", t.getKey())
                    .withClock(FIXED);
            for (String c : List.of("plain", "system", "nogen", "tools")) {
                JsonNode expected = t.getValue().get(c);
                String label = t.getKey() + " [" + c + "]";
                JinjaChatTemplate tt = c.equals("tools") ? template.withVariables(Map.of("tools", tools,
                        "functions", "[]", "datetime", "2025-03-05")) : template;
                String mine;
                boolean failed = false;
                try {
                    mine = tt.render(CASES.get(c), !c.equals("nogen"));
                } catch (LongtuneException e) {
                    mine = e.getMessage();
                    failed = true;
                }
                if (expected.has("error")) {
                    // Jinja2 raised (e.g. a tool_use template iterating tools=None); Jinjava may be lenient.
                    jinja2Errors++;
                    continue;
                }
                if (!failed && mine.equals(expected.get("ok").asText())) {
                    identical++;
                } else if (!KNOWN.contains(label)) {
                    mismatches.add(label + (failed ? " failed: " + mine : "\n  jinja2: "
                            + expected.get("ok").asText().replace("\n", "⏎") + "\n  ours:   "
                            + mine.replace("\n", "⏎")));
                }
            }
        }
        System.out.println("ChatJinja2ReferenceTest: identical " + identical + ", Jinja2 errors skipped "
                + jinja2Errors + ", known differences " + KNOWN.size() + ", other mismatches " + mismatches.size());
        if (!mismatches.isEmpty()) {
            fail(mismatches.size() + " renders differ from Jinja2:\n" + String.join("\n", mismatches));
        }
        // Measured: 218 identical of 236 renders (59 templates x 4; 17 where Jinja2 itself raised, 1 KNOWN).
        assertTrue(identical >= 218, "identical renders: " + identical + " (Jinja2 errors skipped: " + jinja2Errors
                + ")");
    }
}
