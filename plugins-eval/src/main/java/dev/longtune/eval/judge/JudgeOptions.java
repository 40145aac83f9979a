package dev.longtune.eval.judge;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.net.URI;
import java.util.List;

/**
 * Options of {@code judge}: pairwise LLM-as-judge against any OpenAI-compatible chat-completions endpoint.
 *
 * @param baseUrl required; the judge's API root, {@code POST {base_url}/chat/completions} (e.g.
 *     {@code https://api.openai.com/v1}); a trailing {@code /} is dropped
 * @param model required; the judge model's id at that endpoint (e.g. {@code gpt-4})
 * @param apiKeyEnv the name of the environment variable holding the API key, sent as {@code Authorization: Bearer};
 *     absent: no header (a local server). Named but unset is an error when the evaluation starts. The key itself
 *     never appears in a config, a file or a message
 * @param opponent what the model's answers are compared with: {@code reference} (default; the record's own
 *     completion) or {@code endpoint} (another model's answers to the same prompt, from {@code opponent_base_url})
 * @param opponentBaseUrl the opponent's API root; required with {@code opponent: endpoint}, refused otherwise
 * @param opponentModel the opponent's model id; required with {@code opponent: endpoint}, refused otherwise
 * @param opponentApiKeyEnv like {@code api_key_env}, for the opponent's endpoint
 * @param candidateName the model's label in reports (default {@code model})
 * @param opponentName the opponent's label (default {@code reference}, or {@code opponent_model} for an endpoint)
 * @param maxRecords judge at most this many held-out records that have a prompt, in file order; 0 (default) = all
 * @param maxTokens the judge's (and opponent's) {@code max_tokens}; default 2048, FastChat's
 * @param temperature the judge's (and opponent's) sampling temperature; default 0, FastChat's
 * @param timeoutSeconds how long one request may take before it is retried (default 120)
 * @param maxRetries retries after the first attempt, with exponential backoff and jitter, on 429, 5xx, timeouts
 *     and connection errors (default 4)
 * @param concurrency requests in flight at once, at most (default 4)
 * @param cache the answer cache (JSON Lines, appended as answers arrive), relative to the run's output folder
 *     unless absolute; default {@code judge/cache.jsonl}. A resumed or repeated evaluation reads its answers from
 *     here instead of paying for them again
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record JudgeOptions(String baseUrl, String model, String apiKeyEnv, String opponent, String opponentBaseUrl,
        String opponentModel, String opponentApiKeyEnv, String candidateName, String opponentName,
        Integer maxRecords, Integer maxTokens, Double temperature, Double timeoutSeconds, Integer maxRetries,
        Integer concurrency, String cache) {

    public static final String REFERENCE = "reference";
    public static final String ENDPOINT = "endpoint";
    static final List<String> OPPONENTS = List.of(REFERENCE, ENDPOINT);

    // Boxed so an absent key binds as null and takes its default here (the binder rejects null for primitives).
    public JudgeOptions {
        baseUrl = url(baseUrl, "base_url");
        model = required(model, "model", "the judge model's id at the endpoint, e.g. gpt-4");
        apiKeyEnv = blankToNull(apiKeyEnv);
        opponent = opponent == null ? REFERENCE : opponent;
        if (!OPPONENTS.contains(opponent)) {
            throw new IllegalArgumentException("'opponent' must be one of " + OPPONENTS + ", was '" + opponent + "'");
        }
        opponentApiKeyEnv = blankToNull(opponentApiKeyEnv);
        if (opponent.equals(ENDPOINT)) {
            opponentBaseUrl = url(opponentBaseUrl, "opponent_base_url");
            opponentModel = required(opponentModel, "opponent_model", "the opponent model's id at its endpoint");
        } else if (opponentBaseUrl != null || opponentModel != null || opponentApiKeyEnv != null) {
            throw new IllegalArgumentException("'opponent_base_url', 'opponent_model' and 'opponent_api_key_env' are "
                    + "only used with 'opponent: endpoint'; with 'opponent: reference' the record's own completion "
                    + "is the opponent. Remove them or set 'opponent: endpoint'");
        }
        candidateName = candidateName == null ? "model" : candidateName;
        opponentName = opponentName == null ? (opponent.equals(ENDPOINT) ? opponentModel : REFERENCE) : opponentName;
        if (candidateName.isBlank() || opponentName.isBlank() || candidateName.equals(opponentName)) {
            throw new IllegalArgumentException("'candidate_name' and 'opponent_name' must be two different, non-empty "
                    + "labels, were '" + candidateName + "' and '" + opponentName + "'");
        }
        maxRecords = maxRecords == null ? 0 : maxRecords;
        maxTokens = maxTokens == null ? 2048 : maxTokens;
        temperature = temperature == null ? 0.0 : temperature;
        timeoutSeconds = timeoutSeconds == null ? 120.0 : timeoutSeconds;
        maxRetries = maxRetries == null ? 4 : maxRetries;
        concurrency = concurrency == null ? 4 : concurrency;
        cache = cache == null || cache.isBlank() ? "judge/cache.jsonl" : cache;
        if (maxRecords < 0) {
            throw new IllegalArgumentException("'max_records' must be 0 (all) or more, was " + maxRecords);
        }
        if (maxTokens < 1) {
            throw new IllegalArgumentException("'max_tokens' must be at least 1, was " + maxTokens);
        }
        if (!(temperature >= 0 && temperature <= 2)) {
            throw new IllegalArgumentException("'temperature' must be in [0, 2], was " + temperature);
        }
        if (!(timeoutSeconds > 0)) {
            throw new IllegalArgumentException("'timeout_seconds' must be positive, was " + timeoutSeconds);
        }
        if (maxRetries < 0) {
            throw new IllegalArgumentException("'max_retries' must be 0 or more, was " + maxRetries);
        }
        if (concurrency < 1) {
            throw new IllegalArgumentException("'concurrency' must be at least 1, was " + concurrency);
        }
    }

    /** The smallest complete config: a judge at {@code baseUrl} named {@code model}, everything else default. */
    public static JudgeOptions of(String baseUrl, String model) {
        return new JudgeOptions(baseUrl, model, null, null, null, null, null, null, null, null, null, null, null,
                null, null, null);
    }

    boolean opponentIsEndpoint() {
        return opponent.equals(ENDPOINT);
    }

    private static String required(String value, String key, String what) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("'" + key + "' is required: " + what);
        }
        return value;
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }

    /** An absolute http(s) URL without a trailing slash, so {@code base + "/chat/completions"} is well formed. */
    private static String url(String value, String key) {
        required(value, key, "the API root of an OpenAI-compatible server, e.g. https://api.openai.com/v1 or "
                + "http://127.0.0.1:8000/v1");
        String url = value.strip();
        while (url.endsWith("/")) {
            url = url.substring(0, url.length() - 1);
        }
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + key + "' is not a URL: '" + value + "'");
        }
        if (uri.getScheme() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))
                || uri.getHost() == null) {
            throw new IllegalArgumentException("'" + key + "' must be an http:// or https:// URL with a host, e.g. "
                    + "https://api.openai.com/v1; was '" + value + "'");
        }
        return url;
    }
}
