package dev.longtune.api;

/**
 * The result of {@link LanguageModel#generate}.
 *
 * @param tokenIds the generated ids only (the prompt is not repeated)
 * @param text {@code tokenIds} decoded, special tokens skipped
 * @param promptTokens length of the prompt
 * @param nanos wall time of prefill plus decoding
 */
public record Generation(int[] tokenIds, String text, int promptTokens, long nanos) {

    public double tokensPerSecond() {
        return nanos == 0 ? 0 : tokenIds.length / (nanos / 1e9);
    }
}
