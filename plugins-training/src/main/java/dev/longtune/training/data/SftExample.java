package dev.longtune.training.data;

import dev.longtune.api.DataRecord;

/**
 * One encoded training example.
 *
 * @param ids input ids, BOS first
 * @param labels same length as {@code ids}: the id itself where the loss is taken, -100 elsewhere; NOT shifted (the
 *     loss shifts: logits at t predict labels at t+1)
 * @param record where the example came from, for error messages
 */
public record SftExample(int[] ids, int[] labels, DataRecord record) {

    /** Label positions that count in the shifted loss (every position but the first whose label is not -100). */
    public int lossTokens() {
        int n = 0;
        for (int t = 1; t < labels.length; t++) {
            if (labels[t] != SftEncoder.IGNORE) {
                n++;
            }
        }
        return n;
    }
}
