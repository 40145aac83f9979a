package dev.longtune.api.data;

import java.util.Arrays;

/**
 * Cutting a prompt that is longer than the model can read. The cut is made in the middle, keeping the head and the
 * tail, as LongBench does ("the front and end of the input may contain crucial instructions"): for a paper-review
 * prompt the head holds the instruction and the title/abstract, the tail the template's response marker; only
 * body text is lost.
 */
public final class PromptTruncation {

    private PromptTruncation() {}

    /**
     * {@code ids} itself when it fits in {@code maxTokens}; otherwise its first {@code ceil(maxTokens/2)} and last
     * {@code floor(maxTokens/2)} tokens.
     */
    public static int[] middle(int[] ids, int maxTokens) {
        if (maxTokens < 1) {
            throw new IllegalArgumentException("maxTokens must be >= 1, was " + maxTokens);
        }
        if (ids.length <= maxTokens) {
            return ids;
        }
        int head = (maxTokens + 1) / 2;
        int tail = maxTokens - head;
        int[] out = Arrays.copyOf(ids, maxTokens);
        System.arraycopy(ids, ids.length - tail, out, head, tail);
        return out;
    }
}
