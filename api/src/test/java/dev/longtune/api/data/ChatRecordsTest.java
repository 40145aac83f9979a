package dev.longtune.api.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.longtune.api.ChatMessage;
import dev.longtune.api.DataRecord;
import dev.longtune.api.LongtuneException;
import dev.longtune.conformance.Fixtures;
import java.util.List;
import org.junit.jupiter.api.Test;

/** ShareGPT and OpenAI conversation records: role mapping, auto detection, and errors that name the record. */
class ChatRecordsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    static DataRecord record(String json) {
        try {
            return new DataRecord("inline.jsonl", 7, JSON.readTree(json));
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    @Test
    void shareGpt() {
        DataRecord r = record("{\"conversations\": [{\"from\": \"system\", \"value\": \"S\"}, {\"from\": \"human\", "
                + "\"value\": \"Hi\"}, {\"from\": \"gpt\", \"value\": \"Hello\"}]}");
        List<ChatMessage> expected = List.of(ChatMessage.system("S"), ChatMessage.user("Hi"),
                ChatMessage.assistant("Hello"));
        assertEquals(expected, ChatRecords.read("sharegpt", r));
        assertEquals(expected, ChatRecords.read("auto", r));
        assertTrue(ChatRecords.isConversation(r));
    }

    @Test
    void openAi() {
        DataRecord r = record("{\"messages\": [{\"role\": \"user\", \"content\": \"2+2?\"}, {\"role\": \"assistant\", "
                + "\"content\": \"4\"}], \"id\": 3}");
        List<ChatMessage> expected = List.of(ChatMessage.user("2+2?"), ChatMessage.assistant("4"));
        assertEquals(expected, ChatRecords.read("openai", r));
        assertEquals(expected, ChatRecords.read("auto", r));
    }

    @Test
    void errorsNameTheRecordAndMessage() {
        LongtuneException badRole = assertThrows(LongtuneException.class, () -> ChatRecords.read("auto",
                record("{\"conversations\": [{\"from\": \"human\", \"value\": \"a\"}, {\"from\": \"bot\", "
                        + "\"value\": \"b\"}]}")));
        assertTrue(badRole.getMessage().startsWith("inline.jsonl:7: conversations[1]"), badRole.getMessage());
        assertTrue(badRole.getMessage().contains("'bot'"), badRole.getMessage());

        LongtuneException parts = assertThrows(LongtuneException.class, () -> ChatRecords.read("openai",
                record("{\"messages\": [{\"role\": \"user\", \"content\": [{\"type\": \"text\", \"text\": \"x\"}]}]}")));
        assertTrue(parts.getMessage().contains("inline.jsonl:7: messages[0]"), parts.getMessage());
        assertTrue(parts.getMessage().contains("content parts"), parts.getMessage());

        LongtuneException missing = assertThrows(LongtuneException.class,
                () -> ChatRecords.read("openai", record("{\"conversations\": []}")));
        assertTrue(missing.getMessage().contains("inline.jsonl:7: missing field 'messages'"), missing.getMessage());

        LongtuneException empty = assertThrows(LongtuneException.class,
                () -> ChatRecords.read("sharegpt", record("{\"conversations\": []}")));
        assertTrue(empty.getMessage().contains("empty conversation"), empty.getMessage());

        LongtuneException unknown = assertThrows(LongtuneException.class,
                () -> ChatRecords.read("auto", record("{\"text\": \"hello\"}")));
        assertTrue(unknown.getMessage().startsWith("inline.jsonl:7: cannot tell"), unknown.getMessage());
        assertFalse(ChatRecords.isConversation(record("{\"text\": \"hello\"}")));

        assertThrows(LongtuneException.class, () -> ChatRecords.read("vicuna", record("{}")));
    }

    @Test
    void torchtuneChatTiny() {
        List<DataRecord> records = DataFiles.read(Fixtures.sharedOrSkip("data/torchtune_assets/chat_tiny.json"));
        assertEquals(1, records.size());
        List<ChatMessage> chat = ChatRecords.read("auto", records.get(0));
        assertEquals(List.of(ChatMessage.system("You are an AI assistant."),
                ChatMessage.user("What is the meaning of life?"), ChatMessage.assistant("The meaning of life is 42."),
                ChatMessage.user("That's ridiculous."), ChatMessage.assistant("I agree.")), chat);
    }
}
