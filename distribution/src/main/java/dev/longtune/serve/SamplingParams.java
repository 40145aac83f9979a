package dev.longtune.serve;

import java.util.List;

/**
 * The sampling settings both endpoints share, as the request gave them.
 *
 * @param maxTokens {@code max_tokens} (chat: also {@code max_completion_tokens}); null = the endpoint's default
 * @param temperature 0 = greedy
 * @param topP nucleus sampling; 1 = off
 * @param seed the sampler's seed (a fresh random one when the request has none, as OpenAI is not deterministic)
 * @param stop strings that end the answer (not included in it)
 * @param stream answer as server-sent events
 * @param includeUsage {@code stream_options.include_usage}: a last chunk with the token counts
 */
record SamplingParams(Integer maxTokens, float temperature, float topP, long seed, List<String> stop, boolean stream,
        boolean includeUsage) {}
