package dev.longtune.api.data;

import com.fasterxml.jackson.databind.JsonNode;
import dev.longtune.api.ChatMessage;
import dev.longtune.api.DataRecord;
import dev.longtune.api.LongtuneException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Reads conversation records into {@link ChatMessage} lists (roles {@code system}, {@code user}, {@code assistant}).
 * Formats are named in {@code data.format}:
 *
 * <ul>
 *   <li>{@code sharegpt}: {@code conversations: [{from, value}]} with {@code from} = {@code human}, {@code gpt} or
 *       {@code system}.
 *   <li>{@code openai}: {@code messages: [{role, content}]} with {@code role} = {@code system}, {@code user} or
 *       {@code assistant} and {@code content} a string.
 *   <li>{@code auto}: {@code sharegpt} when the record has {@code conversations}, {@code openai} when it has
 *       {@code messages}.
 * </ul>
 *
 * <p>Each message may use either key pair ({@code from/value} or {@code role/content}), since both appear under
 * both field names in published datasets; the role names of both conventions are accepted ({@code human}/{@code user}
 * → user, {@code gpt}/{@code assistant} → assistant). Anything else fails with the record's file and line and the
 * message's index.
 */
public final class ChatRecords {

    /** Accepted format names. */
    public static final List<String> NAMES = List.of("auto", "sharegpt", "openai");

    private ChatRecords() {}

    /** The conversation in {@code record}, read with the named format. */
    public static List<ChatMessage> read(String format, DataRecord record) {
        switch (format) {
            case "sharegpt":
                return messages(record, "conversations");
            case "openai":
                return messages(record, "messages");
            case "auto":
                if (record.fields().has("conversations")) {
                    return messages(record, "conversations");
                }
                if (record.fields().has("messages")) {
                    return messages(record, "messages");
                }
                throw new LongtuneException(record.where() + ": cannot tell the conversation format: expected a "
                        + "'conversations' list (ShareGPT) or a 'messages' list (OpenAI); found fields "
                        + RecordFields.fieldNames(record) + ". Set data.format explicitly or fix the record.");
            default:
                throw new LongtuneException("unknown chat data format '" + format + "'; valid formats: " + NAMES);
        }
    }

    /** Whether {@code record} looks like a conversation record ({@code conversations} or {@code messages} list). */
    public static boolean isConversation(DataRecord record) {
        JsonNode c = record.fields().get("conversations");
        JsonNode m = record.fields().get("messages");
        return (c != null && c.isArray()) || (m != null && m.isArray());
    }

    /** The message list in {@code field} of {@code record}. */
    static List<ChatMessage> messages(DataRecord record, String field) {
        JsonNode list = record.fields().get(field);
        if (list == null || list.isNull()) {
            throw new LongtuneException(record.where() + ": missing field '" + field + "' (fields present: "
                    + RecordFields.fieldNames(record) + ")");
        }
        List<ChatMessage> out = parse(list, record.where() + ": " + field);
        if (out.isEmpty()) {
            throw new LongtuneException(record.where() + ": " + field + " is an empty conversation");
        }
        return out;
    }

    /**
     * Parses a JSON array of messages; {@code where} prefixes error messages (e.g. {@code "data.jsonl:3: chosen"}).
     */
    static List<ChatMessage> parse(JsonNode list, String where) {
        if (!list.isArray()) {
            throw new LongtuneException(where + " must be a list of messages, found " + list.getNodeType());
        }
        List<ChatMessage> out = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            JsonNode m = list.get(i);
            String at = where + "[" + i + "]";
            if (!m.isObject()) {
                throw new LongtuneException(at + " must be an object with from/value or role/content, found "
                        + m.getNodeType());
            }
            boolean shareGpt = m.has("from") || m.has("value");
            String roleKey = shareGpt ? "from" : "role";
            String textKey = shareGpt ? "value" : "content";
            JsonNode role = m.get(roleKey);
            JsonNode text = m.get(textKey);
            if (role == null || !role.isTextual()) {
                throw new LongtuneException(at + ": missing or non-text '" + roleKey + "'");
            }
            if (text == null || !text.isTextual()) {
                throw new LongtuneException(at + ": '" + textKey + "' must be a string"
                        + (text != null && text.isArray() ? " (content parts are not supported; flatten them)" : "")
                        + (text == null || text.isNull() ? ", found none" : ", found " + text.getNodeType()));
            }
            out.add(new ChatMessage(role(role.asText(), at), text.asText()));
        }
        return out;
    }

    private static String role(String raw, String at) {
        switch (raw.toLowerCase(Locale.ROOT)) {
            case "system":
                return "system";
            case "human":
            case "user":
                return "user";
            case "gpt":
            case "assistant":
                return "assistant";
            default:
                throw new LongtuneException(at + ": unsupported role '" + raw + "'; expected system, human/user or "
                        + "gpt/assistant");
        }
    }
}
