package dev.longtune.eval.judge;

import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/** An endpoint behind the answer cache: a request already answered is read back, never paid for twice. */
final class CachedChat {

    private final ChatEndpoint endpoint;
    private final ResponseCache cache;
    private final double temperature;
    private final int maxTokens;
    private final AtomicInteger hits;

    CachedChat(ChatEndpoint endpoint, ResponseCache cache, double temperature, int maxTokens, AtomicInteger hits) {
        this.endpoint = endpoint;
        this.cache = cache;
        this.temperature = temperature;
        this.maxTokens = maxTokens;
        this.hits = hits;
    }

    String ask(List<ChatEndpoint.Message> messages) throws IOException, InterruptedException {
        String key = ResponseCache.key(endpoint.model(), messages, temperature, maxTokens);
        Optional<String> cached = cache.get(key);
        if (cached.isPresent()) {
            hits.incrementAndGet();
            return cached.get();
        }
        String answer = endpoint.complete(messages, temperature, maxTokens);
        cache.put(key, endpoint.model(), answer);
        return answer;
    }
}
