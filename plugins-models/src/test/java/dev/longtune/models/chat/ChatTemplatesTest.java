package dev.longtune.models.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.longtune.api.ChatMessage;
import dev.longtune.api.ChatTemplate;
import dev.longtune.api.LongtuneException;
import dev.longtune.conformance.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where a checkpoint's template comes from: tokenizer_config.json, chat_template.jinja, the family default. */
class ChatTemplatesTest {

    private static final List<ChatMessage> HI = List.of(ChatMessage.user("Hi"));

    private static Path folder(Path tmp, String tokenizerConfig) throws Exception {
        Files.createDirectories(tmp);
        if (tokenizerConfig != null) {
            Files.writeString(tmp.resolve("tokenizer_config.json"), tokenizerConfig);
        }
        return tmp;
    }

    @Test
    void stringTemplateFromTokenizerConfigWithItsSpecialTokens(@TempDir Path tmp) throws Exception {
        Path dir = folder(tmp, "{\"bos_token\": {\"content\": \"<B>\", \"lstrip\": false}, \"eos_token\": \"<E>\","
                + " \"chat_template\": \"{{ bos_token }}{% for m in messages %}[{{ m.role }}]{{ m.content }}"
                + "{{ eos_token }}{% endfor %}\"}");
        ChatTemplate t = ChatTemplates.forCheckpoint(dir, "llama").orElseThrow();
        assertEquals("<B>[user]Hi<E>", t.render(HI, false));
        assertEquals(dir.resolve("tokenizer_config.json").toString(), t.source());
    }

    @Test
    void listOfNamedTemplatesTakesDefault(@TempDir Path tmp) throws Exception {
        Path dir = folder(tmp, "{\"chat_template\": [{\"name\": \"tool_use\", \"template\": \"TOOLS\"},"
                + " {\"name\": \"default\", \"template\": \"DEFAULT {{ messages[0].content }}\"}]}");
        ChatTemplate t = ChatTemplates.forCheckpoint(dir, "llama").orElseThrow();
        assertEquals("DEFAULT Hi", t.render(HI, true));
        assertTrue(t.source().contains("'default'"), t.source());
    }

    @Test
    void listWithoutDefaultIsAClearError(@TempDir Path tmp) throws Exception {
        Path dir = folder(tmp, "{\"chat_template\": [{\"name\": \"rag\", \"template\": \"x\"}]}");
        LongtuneException e = assertThrows(LongtuneException.class, () -> ChatTemplates.forCheckpoint(dir, null));
        assertTrue(e.getMessage().contains("rag") && e.getMessage().contains("default"), e.getMessage());
    }

    @Test
    void chatTemplateJinjaFileBesideTheTokenizer(@TempDir Path tmp) throws Exception {
        Path dir = folder(tmp, "{\"bos_token\": \"<s>\"}");
        Files.writeString(dir.resolve("chat_template.jinja"), "{{ bos_token }}J:{{ messages[0]['content'] }}");
        ChatTemplate t = ChatTemplates.forCheckpoint(dir, "llama").orElseThrow();
        assertEquals("<s>J:Hi", t.render(HI, true));
        assertTrue(t.source().endsWith("chat_template.jinja"), t.source());
    }

    @Test
    void familyDefaultWhenTheCheckpointHasNone(@TempDir Path tmp) throws Exception {
        Path llama3 = folder(tmp.resolve("l3"), "{\"bos_token\": \"<|begin_of_text|>\", "
                + "\"eos_token\": \"<|end_of_text|>\"}");
        ChatTemplate t = ChatTemplates.forCheckpoint(llama3, "llama").orElseThrow();
        assertEquals("default template for llama3", t.source());
        assertEquals("<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>",
                t.render(HI, false));

        ChatTemplate gemma = ChatTemplates.forCheckpoint(folder(tmp.resolve("g"), null), "gemma").orElseThrow();
        assertEquals("<bos><start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>model\n", gemma.render(HI, true));

        assertEquals(Optional.empty(), ChatTemplates.forCheckpoint(folder(tmp.resolve("x"), "{}"), "gpt2"));
    }

    @Test
    void storiesIsALlama2StyleCheckpoint() {
        ChatTemplate t = ChatTemplates.forCheckpoint(Fixtures.stories260K(), "llama").orElseThrow();
        assertEquals("default template for llama2", t.source());
        assertEquals("<s>[INST] Hi [/INST]", t.render(HI, true));
    }

    @Test
    void brokenTokenizerConfigIsALongtuneException(@TempDir Path tmp) throws Exception {
        Path dir = folder(tmp, "{not json");
        LongtuneException e = assertThrows(LongtuneException.class, () -> ChatTemplates.forCheckpoint(dir, "llama"));
        assertTrue(e.getMessage().contains("tokenizer_config.json"), e.getMessage());
    }
}
