package dev.longtune.serve;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.longtune.api.ChatMessage;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Reads and validates request bodies. Every problem is one {@link ApiError} (400) naming the offending
 * {@code param}, as OpenAI's API does; parameters this server cannot honour are refused rather than ignored, so a
 * client never silently gets something other than what it asked for.
 */
final class RequestReader {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Accepted and ignored: bookkeeping that does not change the answer. */
    private static final Set<String> IGNORED = Set.of("user", "metadata", "store", "service_tier",
            "parallel_tool_calls");
    private static final Set<String> SAMPLING = Set.of("model", "max_tokens", "temperature", "top_p", "seed", "stop",
            "stream", "stream_options", "n", "presence_penalty", "frequency_penalty", "logit_bias");
    private static final Set<String> COMPLETION_ONLY = Set.of("prompt", "echo", "logprobs", "best_of", "suffix");
    private static final Set<String> CHAT_ONLY = Set.of("messages", "max_completion_tokens", "logprobs",
            "top_logprobs", "tools", "tool_choice", "functions", "function_call", "response_format");
    private static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant");

    private RequestReader() {}

    /** The body as a JSON object. */
    static JsonNode parse(String body) {
        JsonNode node;
        try {
            node = JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw ApiError.invalid("We could not parse the JSON body of your request: "
                    + e.getOriginalMessage() + ". The body must be one JSON object.", null);
        }
        if (node == null || !node.isObject()) {
            throw ApiError.invalid("The body of your request must be a JSON object, got "
                    + (node == null ? "nothing" : node.getNodeType().name().toLowerCase(java.util.Locale.ROOT))
                    + ".", null);
        }
        return node;
    }

    static CompletionRequest completion(JsonNode body) {
        rejectUnknown(body, COMPLETION_ONLY);
        unsupportedUnless(body, "echo", n -> n.isBoolean() && !n.asBoolean());
        unsupportedUnless(body, "logprobs", n -> false);
        unsupportedUnless(body, "suffix", n -> false);
        unsupportedUnless(body, "best_of", n -> n.isIntegralNumber() && n.asInt() == 1);
        JsonNode prompt = body.get("prompt");
        if (prompt == null || prompt.isNull()) {
            throw ApiError.invalid("You must provide a prompt.", "prompt");
        }
        if (!prompt.isTextual()) {
            throw ApiError.invalid("'prompt' must be a string (lists of prompts and token arrays are not "
                    + "supported), got " + describe(prompt) + ".", "prompt");
        }
        return new CompletionRequest(model(body), prompt.asText(), sampling(body, "max_tokens"));
    }

    static ChatRequest chat(JsonNode body) {
        rejectUnknown(body, CHAT_ONLY);
        unsupportedUnless(body, "logprobs", n -> n.isBoolean() && !n.asBoolean());
        unsupportedUnless(body, "top_logprobs", n -> false);
        unsupportedUnless(body, "tools", n -> n.isArray() && n.isEmpty());
        unsupportedUnless(body, "tool_choice", n -> n.isTextual() && n.asText().equals("none"));
        unsupportedUnless(body, "functions", n -> n.isArray() && n.isEmpty());
        unsupportedUnless(body, "function_call", n -> n.isTextual() && n.asText().equals("none"));
        unsupportedUnless(body, "response_format", n -> n.isObject() && "text".equals(n.path("type").asText()));
        JsonNode messages = body.get("messages");
        if (messages == null || messages.isNull()) {
            throw ApiError.invalid("You must provide 'messages'.", "messages");
        }
        if (!messages.isArray() || messages.isEmpty()) {
            throw ApiError.invalid("'messages' must be a non-empty array of {role, content} objects, got "
                    + describe(messages) + ".", "messages");
        }
        List<ChatMessage> out = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            out.add(message(messages.get(i), "messages[" + i + "]"));
        }
        String maxParam = body.hasNonNull("max_completion_tokens") ? "max_completion_tokens" : "max_tokens";
        return new ChatRequest(model(body), out, sampling(body, maxParam));
    }

    private static ChatMessage message(JsonNode m, String where) {
        if (!m.isObject()) {
            throw ApiError.invalid("'" + where + "' must be an object with 'role' and 'content', got "
                    + describe(m) + ".", where);
        }
        JsonNode role = m.get("role");
        if (role == null || !role.isTextual() || !ROLES.contains(role.asText())) {
            throw ApiError.invalid("'" + where + ".role' must be one of system, developer, user, assistant, got "
                    + (role == null ? "nothing" : describe(role)) + ".", where + ".role");
        }
        JsonNode content = m.get("content");
        String text;
        if (content != null && content.isTextual()) {
            text = content.asText();
        } else if (content != null && content.isArray()) {
            // OpenAI's content parts: only text can be rendered by a text model's template.
            StringBuilder sb = new StringBuilder();
            for (int j = 0; j < content.size(); j++) {
                JsonNode part = content.get(j);
                if (!part.isObject() || !"text".equals(part.path("type").asText()) || !part.path("text").isTextual()) {
                    throw ApiError.invalid("'" + where + ".content[" + j + "]' must be a {\"type\": \"text\", "
                            + "\"text\": ...} part; this server serves a text-only model.", where + ".content");
                }
                sb.append(part.get("text").asText());
            }
            text = sb.toString();
        } else {
            throw ApiError.invalid("'" + where + ".content' must be a string (or a list of text parts), got "
                    + (content == null ? "nothing" : describe(content)) + ".", where + ".content");
        }
        // The templates know system/user/assistant; OpenAI's newer "developer" role is its system role.
        String r = role.asText().equals("developer") ? "system" : role.asText();
        return new ChatMessage(r, text);
    }

    private static String model(JsonNode body) {
        JsonNode model = body.get("model");
        if (model == null || model.isNull()) {
            throw ApiError.invalid("You must provide a model parameter (see GET /v1/models).", "model");
        }
        if (!model.isTextual()) {
            throw ApiError.invalid("'model' must be a string, got " + describe(model) + ".", "model");
        }
        return model.asText();
    }

    private static SamplingParams sampling(JsonNode body, String maxTokensParam) {
        unsupportedUnless(body, "presence_penalty", n -> n.isNumber() && n.asDouble() == 0);
        unsupportedUnless(body, "frequency_penalty", n -> n.isNumber() && n.asDouble() == 0);
        unsupportedUnless(body, "logit_bias", n -> n.isObject() && n.isEmpty());
        Integer maxTokens = null;
        JsonNode mt = body.get(maxTokensParam);
        if (mt != null && !mt.isNull()) {
            if (!mt.isIntegralNumber() || !mt.canConvertToInt() || mt.asInt() < 1) {
                throw ApiError.invalid("'" + maxTokensParam + "' must be an integer >= 1, got " + describe(mt) + ".",
                        maxTokensParam);
            }
            maxTokens = mt.asInt();
        }
        double temperature = number(body, "temperature", 1.0, 0, 2);
        double topP = number(body, "top_p", 1.0, 0, 1);
        JsonNode n = body.get("n");
        if (n != null && !n.isNull() && !(n.isIntegralNumber() && n.asLong() == 1)) {
            throw ApiError.invalid("'n' must be 1: this server generates one choice per request, got "
                    + describe(n) + ".", "n");
        }
        long seed;
        JsonNode s = body.get("seed");
        if (s == null || s.isNull()) {
            seed = ThreadLocalRandom.current().nextLong();
        } else if (s.isIntegralNumber() && s.canConvertToLong()) {
            seed = s.asLong();
        } else {
            throw ApiError.invalid("'seed' must be an integer, got " + describe(s) + ".", "seed");
        }
        boolean stream = bool(body, "stream");
        boolean includeUsage = false;
        JsonNode so = body.get("stream_options");
        if (so != null && !so.isNull()) {
            if (!so.isObject() || (so.has("include_usage") && !so.get("include_usage").isBoolean())) {
                throw ApiError.invalid("'stream_options' must be an object like {\"include_usage\": true}, got "
                        + describe(so) + ".", "stream_options");
            }
            if (!stream) {
                throw ApiError.invalid("'stream_options' is only allowed when 'stream' is true.", "stream_options");
            }
            includeUsage = so.path("include_usage").asBoolean(false);
        }
        // top_p = 0 keeps only the most likely token: that is greedy decoding.
        float t = topP == 0 ? 0f : (float) temperature;
        return new SamplingParams(maxTokens, t, topP == 0 ? 1f : (float) topP, seed, stops(body), stream,
                includeUsage);
    }

    private static List<String> stops(JsonNode body) {
        JsonNode stop = body.get("stop");
        List<String> out = new ArrayList<>();
        if (stop == null || stop.isNull()) {
            return out;
        }
        if (stop.isTextual()) {
            out.add(stop.asText());
        } else if (stop.isArray() && stop.size() <= 4) {
            for (JsonNode s : stop) {
                if (!s.isTextual()) {
                    throw ApiError.invalid("'stop' must be a string or a list of up to 4 strings, got "
                            + describe(stop) + ".", "stop");
                }
                out.add(s.asText());
            }
        } else {
            throw ApiError.invalid("'stop' must be a string or a list of up to 4 strings, got " + describe(stop)
                    + ".", "stop");
        }
        if (out.stream().anyMatch(String::isEmpty)) {
            throw ApiError.invalid("'stop' strings must not be empty.", "stop");
        }
        return out;
    }

    private static double number(JsonNode body, String param, double dflt, double min, double max) {
        JsonNode n = body.get(param);
        if (n == null || n.isNull()) {
            return dflt;
        }
        if (!n.isNumber() || n.asDouble() < min || n.asDouble() > max || Double.isNaN(n.asDouble())) {
            throw ApiError.invalid("'" + param + "' must be a number from " + fmt(min) + " to " + fmt(max) + ", got "
                    + describe(n) + ".", param);
        }
        return n.asDouble();
    }

    private static boolean bool(JsonNode body, String param) {
        JsonNode n = body.get(param);
        if (n == null || n.isNull()) {
            return false;
        }
        if (!n.isBoolean()) {
            throw ApiError.invalid("'" + param + "' must be a boolean, got " + describe(n) + ".", param);
        }
        return n.asBoolean();
    }

    private static void unsupportedUnless(JsonNode body, String param, java.util.function.Predicate<JsonNode> ok) {
        JsonNode n = body.get(param);
        if (n != null && !n.isNull() && !ok.test(n)) {
            throw ApiError.invalid("'" + param + "' is not supported by this server (got " + describe(n)
                    + "); leave it out.", param);
        }
    }

    /** OpenAI refuses arguments it does not know ("Unrecognized request argument"); so does this server. */
    private static void rejectUnknown(JsonNode body, Set<String> endpointParams) {
        for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!SAMPLING.contains(name) && !endpointParams.contains(name) && !IGNORED.contains(name)) {
                throw ApiError.invalid("Unrecognized request argument supplied: '" + name + "'.", name);
            }
        }
    }

    private static String describe(JsonNode n) {
        String s = n.toString();
        return s.length() > 60 ? s.substring(0, 57) + "..." : s;
    }

    private static String fmt(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
    }
}
