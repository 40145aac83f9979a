package dev.longtune.serve;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The response bodies, field for field as OpenAI's API returns them (ids {@code cmpl-…}/{@code chatcmpl-…},
 * {@code object}, {@code created} in Unix seconds, {@code choices}, {@code usage}), for full answers and stream
 * chunks of both endpoints.
 */
final class OpenAiJson {

    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private OpenAiJson() {}

    /** The two endpoints' shapes. */
    enum Kind {
        TEXT("cmpl-", "text_completion", "text_completion"),
        CHAT("chatcmpl-", "chat.completion", "chat.completion.chunk");

        final String idPrefix;
        final String object;
        final String chunkObject;

        Kind(String idPrefix, String object, String chunkObject) {
            this.idPrefix = idPrefix;
            this.object = object;
            this.chunkObject = chunkObject;
        }
    }

    /** Identity of one answer, repeated in every chunk of a stream. */
    record Envelope(Kind kind, String id, long created, String model) {}

    static ObjectNode usage(int promptTokens, int completionTokens) {
        ObjectNode u = F.objectNode();
        u.put("prompt_tokens", promptTokens);
        u.put("completion_tokens", completionTokens);
        u.put("total_tokens", promptTokens + completionTokens);
        return u;
    }

    /** A whole (non-streamed) answer. */
    static ObjectNode answer(Envelope e, String text, String finishReason, ObjectNode usage) {
        ObjectNode root = head(e, e.kind().object);
        ObjectNode choice = root.putArray("choices").addObject();
        if (e.kind() == Kind.TEXT) {
            choice.put("text", text);
            choice.put("index", 0);
            choice.putNull("logprobs");
        } else {
            choice.put("index", 0);
            ObjectNode message = choice.putObject("message");
            message.put("role", "assistant");
            message.put("content", text);
            choice.putNull("logprobs");
        }
        choice.put("finish_reason", finishReason);
        root.set("usage", usage);
        return root;
    }

    /**
     * One stream chunk: a text delta ({@code finishReason} null), or the last chunk (empty delta, the reason).
     * Chat chunks carry {@code delta: {content}}; the first one of a chat stream carries the role instead
     * ({@link #chatRoleChunk}).
     */
    static ObjectNode chunk(Envelope e, String text, String finishReason) {
        ObjectNode root = head(e, e.kind().chunkObject);
        ObjectNode choice = root.putArray("choices").addObject();
        if (e.kind() == Kind.TEXT) {
            choice.put("text", text);
            choice.put("index", 0);
            choice.putNull("logprobs");
        } else {
            choice.put("index", 0);
            ObjectNode delta = choice.putObject("delta");
            if (!text.isEmpty() || finishReason == null) {
                delta.put("content", text);
            }
            choice.putNull("logprobs");
        }
        if (finishReason == null) {
            choice.putNull("finish_reason");
        } else {
            choice.put("finish_reason", finishReason);
        }
        return root;
    }

    /** A chat stream's first chunk: {@code delta: {role: "assistant", content: ""}}. */
    static ObjectNode chatRoleChunk(Envelope e) {
        ObjectNode root = head(e, e.kind().chunkObject);
        ObjectNode choice = root.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode delta = choice.putObject("delta");
        delta.put("role", "assistant");
        delta.put("content", "");
        choice.putNull("logprobs");
        choice.putNull("finish_reason");
        return root;
    }

    /** {@code stream_options.include_usage}: a chunk with no choices and the usage, after the last one. */
    static ObjectNode usageChunk(Envelope e, ObjectNode usage) {
        ObjectNode root = head(e, e.kind().chunkObject);
        root.putArray("choices");
        root.set("usage", usage);
        return root;
    }

    static ObjectNode model(String name, long created) {
        ObjectNode m = F.objectNode();
        m.put("id", name);
        m.put("object", "model");
        m.put("created", created);
        m.put("owned_by", "longtune");
        return m;
    }

    static ObjectNode models(String name, long created) {
        ObjectNode root = F.objectNode();
        root.put("object", "list");
        ArrayNode data = root.putArray("data");
        data.add(model(name, created));
        return root;
    }

    private static ObjectNode head(Envelope e, String object) {
        ObjectNode root = F.objectNode();
        root.put("id", e.id());
        root.put("object", object);
        root.put("created", e.created());
        root.put("model", e.model());
        return root;
    }
}
