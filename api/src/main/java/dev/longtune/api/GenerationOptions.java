package dev.longtune.api;

/**
 * Decoding settings. {@code temperature <= 0} is greedy (argmax); otherwise logits are divided by the temperature,
 * then filtered by top-k ({@code topK <= 0}: off) and nucleus top-p ({@code topP >= 1}: off), and sampled with a
 * generator seeded by {@code seed}.
 *
 * @param stopAtEos stop after the tokenizer's EOS token is generated (the EOS is included in the result's ids)
 */
public record GenerationOptions(int maxNewTokens, float temperature, int topK, float topP, long seed, boolean stopAtEos) {

    public GenerationOptions {
        if (maxNewTokens < 0) {
            throw new IllegalArgumentException("maxNewTokens must be >= 0, was " + maxNewTokens);
        }
        if (topP <= 0f) {
            throw new IllegalArgumentException("topP must be in (0, 1], was " + topP);
        }
    }

    public static GenerationOptions greedy(int maxNewTokens) {
        return new GenerationOptions(maxNewTokens, 0f, 0, 1f, 0L, true);
    }

    public boolean isGreedy() {
        return temperature <= 0f;
    }
}
