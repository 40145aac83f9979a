package dev.longtune.models.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.longtune.api.ChatMessage;
import dev.longtune.api.ChatTemplate;
import dev.longtune.api.LongtuneException;
import dev.longtune.conformance.Fixtures;
import dev.longtune.models.tokenizer.HfTextTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Real Hub chat templates (llama.cpp's collection in {@code ../shared}) rendered by {@link JinjaChatTemplate}. The
 * expected strings are the prompt formats the model cards document, written out by hand.
 */
class SharedTemplatesTest {

    private static final String DIR = "models/llama.cpp-vocab-fixtures/templates/";
    private static final Clock MARCH_5_2025 = Clock.fixed(Instant.parse("2025-03-05T10:15:00Z"), ZoneOffset.UTC);

    private static final List<ChatMessage> SYS_CHAT = List.of(ChatMessage.system("You are a helpful assistant."),
            ChatMessage.user("What is 2+2?"));

    private static JinjaChatTemplate shared(String file, String bos, String eos) throws Exception {
        Path p = Fixtures.sharedOrSkip(DIR + file);
        return new JinjaChatTemplate(Files.readString(p), bos, eos, p.toString()).withClock(MARCH_5_2025);
    }

    @Test
    void llama31DefaultSystemBlockWithDates() throws Exception {
        JinjaChatTemplate t = shared("meta-llama-Llama-3.1-8B-Instruct.jinja", "<|begin_of_text|>", "<|eot_id|>");
        assertEquals("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n"
                + "Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n"
                + "You are a helpful assistant.<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nWhat is 2+2?<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\n", t.render(SYS_CHAT, true));
        // No system message: the date block still comes first, with an empty system text.
        assertEquals("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n"
                + "Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\nHello<|eot_id|>",
                t.render(List.of(ChatMessage.user(" Hi "), ChatMessage.assistant("Hello")), false));
        // date_string passed in, as transformers' apply_chat_template(date_string=...) does.
        assertTrue(t.withVariables(Map.of("date_string", "01 Jan 2030")).render(SYS_CHAT, true)
                .contains("\nToday Date: 01 Jan 2030\n\n"));
    }

    @Test
    void llama32TakesTodayFromStrftimeNow() throws Exception {
        JinjaChatTemplate t = shared("meta-llama-Llama-3.2-3B-Instruct.jinja", "<|begin_of_text|>", "<|eot_id|>");
        assertEquals("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n"
                + "Cutting Knowledge Date: December 2023\nToday Date: 05 Mar 2025\n\n"
                + "You are a helpful assistant.<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nWhat is 2+2?<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\n", t.render(SYS_CHAT, true));
    }

    @Test
    void gemma2() throws Exception {
        JinjaChatTemplate t = shared("google-gemma-2-2b-it.jinja", "<bos>", "<eos>");
        assertEquals("<bos><start_of_turn>user\nWhat is 2+2?<end_of_turn>\n<start_of_turn>model\n4<end_of_turn>\n"
                + "<start_of_turn>user\nAnd 3+3?<end_of_turn>\n<start_of_turn>model\n",
                t.render(List.of(ChatMessage.user("What is 2+2?"), ChatMessage.assistant("4"),
                        ChatMessage.user("And 3+3?")), true));
        LongtuneException sys = assertThrows(LongtuneException.class, () -> t.render(SYS_CHAT, true));
        assertTrue(sys.getMessage().contains("System role not supported"), sys.getMessage());
        assertTrue(sys.getMessage().contains("google-gemma-2-2b-it.jinja"), sys.getMessage());
        LongtuneException alt = assertThrows(LongtuneException.class,
                () -> t.render(List.of(ChatMessage.user("a"), ChatMessage.user("b")), true));
        assertTrue(alt.getMessage().contains("Conversation roles must alternate"), alt.getMessage());
    }

    @Test
    void qwen25() throws Exception {
        JinjaChatTemplate t = shared("Qwen-Qwen2.5-7B-Instruct.jinja", null, "<|im_end|>");
        assertEquals("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
                + "<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n", t.render(SYS_CHAT, true));
        // Without a system message Qwen2.5 inserts its own.
        assertEquals("<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant."
                + "<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello<|im_end|>\n",
                t.render(List.of(ChatMessage.user("Hi"), ChatMessage.assistant("Hello")), false));
    }

    @Test
    void qwen25WithToolsUsesPythonJson() throws Exception {
        JinjaChatTemplate t = shared("Qwen-Qwen2.5-7B-Instruct.jinja", null, "<|im_end|>")
                .withVariables(Map.of("tools", List.of(Map.of("type", "function"))));
        String out = t.render(List.of(ChatMessage.user("Hi")), true);
        assertTrue(out.contains("<tools>\n{\"type\": \"function\"}\n</tools>"), out);
    }

    @Test
    void mistralNemoAndPhi35() throws Exception {
        List<ChatMessage> chat = List.of(ChatMessage.user("Hi"), ChatMessage.assistant("Hello"),
                ChatMessage.user("Bye"));
        assertEquals("<s>[INST]Hi[/INST]Hello</s>[INST]Bye[/INST]",
                shared("mistralai-Mistral-Nemo-Instruct-2407.jinja", "<s>", "</s>").render(chat, true));
        assertEquals("<|user|>\nHi<|end|>\n<|assistant|>\nHello<|end|>\n<|user|>\nBye<|end|>\n<|assistant|>\n",
                shared("microsoft-Phi-3.5-mini-instruct.jinja", "<s>", "<|endoftext|>").render(chat, true));
    }

    /** The llama3 tokenizer's own chat_template, our default and the special-token ids of the rendered text. */
    @Test
    void llama3RenderTokenisesToTheSpecialTokenIds() throws Exception {
        Path dir = Fixtures.sharedOrSkip("tokenizers/llama3/tokenizer.json").getParent();
        Optional<ChatTemplate> own = ChatTemplates.forCheckpoint(dir, "llama");
        assertTrue(own.isPresent());
        assertTrue(own.get().source().endsWith("tokenizer_config.json"), own.get().source());
        String text = own.get().render(SYS_CHAT, true);
        assertEquals(DefaultTemplates.get("llama3", null, null).render(SYS_CHAT, true), text,
                "the tokenizer's template and the llama3 default agree");
        try (HfTextTokenizer tok = HfTextTokenizer.load(dir, new ObjectMapper().createObjectNode())) {
            int[] ids = tok.encode(text);
            assertEquals(128000, ids[0], "BOS is the first token");
            assertEquals(1, Arrays.stream(ids).filter(i -> i == 128000).count(), "BOS once, not twice");
            assertEquals(3, Arrays.stream(ids).filter(i -> i == 128006).count(), "three <|start_header_id|>");
            assertEquals(3, Arrays.stream(ids).filter(i -> i == 128007).count(), "three <|end_header_id|>");
            assertEquals(2, Arrays.stream(ids).filter(i -> i == 128009).count(), "two <|eot_id|>");
            assertEquals(List.of(128006, 78191, 128007, 271), tail(ids, 4), "ends with the assistant header");
        }
    }

    private static List<Integer> tail(int[] ids, int n) {
        List<Integer> out = new ArrayList<>();
        for (int i = ids.length - n; i < ids.length; i++) {
            out.add(ids[i]);
        }
        return out;
    }

    /** Every shared template renders a plain user/assistant/user conversation, the turns' text in order. */
    @Test
    void everySharedTemplateRendersAPlainConversationOrFailsCleanly() throws Exception {
        Path dir = Fixtures.sharedOrSkip(DIR + "README.md").getParent();
        List<ChatMessage> chat = List.of(ChatMessage.user("Hello there"), ChatMessage.assistant("General Kenobi"),
                ChatMessage.user("Bye now"));
        List<String> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".jinja")).sorted().toList();
        }
        assertTrue(files.size() >= 50, "found " + files.size());
        List<String> problems = new ArrayList<>();
        for (String f : files) {
            JinjaChatTemplate t = new JinjaChatTemplate(Files.readString(dir.resolve(f)), "<s>", "</s>", f)
                    .withClock(MARCH_5_2025);
            try {
                String out = t.render(chat, true);
                int a = out.indexOf("Hello there");
                int b = out.indexOf("General Kenobi", a);
                int c = out.indexOf("Bye now", b);
                if (a < 0 || b < 0 || c < 0) {
                    problems.add(f + ": turns missing or out of order in " + out);
                }
            } catch (LongtuneException e) {
                problems.add(f + ": " + e.getMessage());
            }
        }
        if (!problems.isEmpty()) {
            fail(String.join("\n", problems));
        }
    }
}
