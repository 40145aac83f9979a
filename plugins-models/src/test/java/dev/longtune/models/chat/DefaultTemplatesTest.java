package dev.longtune.models.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.longtune.api.ChatMessage;
import dev.longtune.api.ChatTemplate;
import dev.longtune.api.LongtuneException;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The family defaults against the worked strings of the numerics spec, section E. Expected strings are written
 * out by hand from the spec, not produced by the code under test.
 */
class DefaultTemplatesTest {

    private static final List<ChatMessage> SYS_CHAT = List.of(ChatMessage.system("S"), ChatMessage.user("Hi"),
            ChatMessage.assistant("Hello"), ChatMessage.user("How are you?"));
    private static final List<ChatMessage> CHAT = SYS_CHAT.subList(1, 4);

    @Test
    void llama2FoldsTheSystemPromptIntoTheFirstUserTurn() {
        ChatTemplate t = DefaultTemplates.get("llama2", null, null);
        assertEquals("<s>[INST] <<SYS>>\nS\n<</SYS>>\n\nHi [/INST] Hello </s><s>[INST] How are you? [/INST]",
                t.render(SYS_CHAT, false));
        // Without a system message; contents are stripped; there is no generation prompt to add.
        assertEquals("<s>[INST] Hi [/INST] Hello </s><s>[INST] How are you? [/INST]",
                t.render(List.of(ChatMessage.user("  Hi\n"), ChatMessage.assistant(" Hello "),
                        ChatMessage.user("How are you?")), true));
        assertEquals("default template for llama2", t.source());
    }

    @Test
    void llama2RolesMustAlternate() {
        ChatTemplate t = DefaultTemplates.get("llama2", null, null);
        LongtuneException e = assertThrows(LongtuneException.class,
                () -> t.render(List.of(ChatMessage.user("a"), ChatMessage.user("b")), false));
        assertTrue(e.getMessage().contains("Conversation roles must alternate"), e.getMessage());
        assertTrue(e.getMessage().contains("default template for llama2"), e.getMessage());
    }

    @Test
    void llama3HeadersAndGenerationPrompt() {
        ChatTemplate t = DefaultTemplates.get("llama3", null, null);
        String expected = "<|begin_of_text|>"
                + "<|start_header_id|>system<|end_header_id|>\n\nS<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\nHello<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nHow are you?<|eot_id|>";
        assertEquals(expected, t.render(SYS_CHAT, false));
        assertEquals(expected + "<|start_header_id|>assistant<|end_header_id|>\n\n", t.render(SYS_CHAT, true));
        assertEquals("<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nx y<|eot_id|>",
                t.render(List.of(ChatMessage.user("\n x y \n")), false), "content is trimmed");
    }

    @Test
    void mistralV01() {
        ChatTemplate t = DefaultTemplates.get("mistral", null, null);
        assertEquals("<s>[INST] Hi [/INST]Hello</s> [INST] How are you? [/INST]", t.render(CHAT, true));
        LongtuneException sys = assertThrows(LongtuneException.class, () -> t.render(SYS_CHAT, false));
        assertTrue(sys.getMessage().contains("alternate"), sys.getMessage());
        LongtuneException other = assertThrows(LongtuneException.class,
                () -> t.render(List.of(ChatMessage.user("a"), new ChatMessage("tool", "b")), false));
        assertTrue(other.getMessage().contains("Only user and assistant roles are supported"), other.getMessage());
    }

    @Test
    void gemmaRenamesAssistantToModelAndRejectsSystem() {
        ChatTemplate t = DefaultTemplates.get("gemma", null, null);
        assertEquals("<bos><start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>model\nHello<end_of_turn>\n"
                + "<start_of_turn>user\nHow are you?<end_of_turn>\n<start_of_turn>model\n", t.render(CHAT, true));
        assertEquals("<bos><start_of_turn>user\nHi<end_of_turn>\n",
                t.render(List.of(ChatMessage.user(" Hi ")), false));
        LongtuneException e = assertThrows(LongtuneException.class, () -> t.render(SYS_CHAT, true));
        assertTrue(e.getMessage().contains("System role not supported"), e.getMessage());
        LongtuneException alt = assertThrows(LongtuneException.class,
                () -> t.render(List.of(ChatMessage.assistant("x")), true));
        assertTrue(alt.getMessage().contains("alternate"), alt.getMessage());
    }

    @Test
    void chatml() {
        ChatTemplate t = DefaultTemplates.get("chatml", null, null);
        assertEquals("<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
                + "<|im_start|>assistant\nHello<|im_end|>\n<|im_start|>user\nHow are you?<|im_end|>\n"
                + "<|im_start|>assistant\n", t.render(SYS_CHAT, true));
    }

    @Test
    void checkpointTokensReplaceTheFamilyDefaults() {
        assertEquals("[BOS][INST] Hi [/INST] Yo [EOS]", DefaultTemplates.get("llama2", "[BOS]", "[EOS]")
                .render(List.of(ChatMessage.user("Hi"), ChatMessage.assistant("Yo")), false));
    }

    @Test
    void familyByModelType() {
        assertEquals(Optional.of("llama3"), DefaultTemplates.forModelType("llama", "<|begin_of_text|>"));
        assertEquals(Optional.of("llama2"), DefaultTemplates.forModelType("llama", "<s>"));
        assertEquals(Optional.of("llama2"), DefaultTemplates.forModelType("llama", null));
        assertEquals(Optional.of("mistral"), DefaultTemplates.forModelType("mistral", "<s>"));
        assertEquals(Optional.of("gemma"), DefaultTemplates.forModelType("gemma2", "<bos>"));
        assertEquals(Optional.of("chatml"), DefaultTemplates.forModelType("qwen2", null));
        assertEquals(Optional.empty(), DefaultTemplates.forModelType("gpt2", null));
        assertEquals(Optional.empty(), DefaultTemplates.forModelType(null, null));
        assertThrows(IllegalArgumentException.class, () -> DefaultTemplates.jinja("vicuna"));
    }
}
