package dev.longtune.training.preference;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.longtune.api.DataRecord;
import dev.longtune.api.nd.TokenLoss;
import dev.longtune.training.loop.MicroBatch;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A micro-batch of {@code P} preference units as one right-padded batch of {@code 2P} rows, {@code [first; second]}
 * (TRL's concatenated [chosen; rejected] forward). Labels are -100 on the prompt and on padding.
 *
 * <p>{@link #lossTokens()} is the number of units, not of tokens: preference losses are means over pairs (spec D.7),
 * so the loss functions return the <em>sum</em> of per-pair losses and the shared loop's division by the total of
 * {@code lossTokens()} over an optimiser step turns it into the mean per pair, also under gradient accumulation.
 *
 * @param units the units, in row order (KTO: desirable ones first)
 * @param desirableCount KTO: how many leading units are desirable; {@code units.size()} for pairs
 * @param endsStep true for the last micro-batch of an optimiser step (for per-step preference metrics)
 */
public record PairBatch(List<PairExample> units, int rows, int length, long[] ids, long[] labels, long[] mask,
        int desirableCount, boolean endsStep) implements MicroBatch {

    /** Builds the padded batch. */
    public static PairBatch of(List<PairExample> units, int padId, boolean endsStep) {
        int p = units.size();
        int len = 1;
        for (PairExample u : units) {
            len = Math.max(len, u.prompt().length + Math.max(u.first().length, u.second().length));
        }
        int rows = 2 * p;
        long[] ids = new long[rows * len];
        long[] labels = new long[rows * len];
        long[] mask = new long[rows * len];
        Arrays.fill(ids, padId);
        Arrays.fill(labels, TokenLoss.IGNORE);
        int desirable = 0;
        for (int i = 0; i < p; i++) {
            PairExample u = units.get(i);
            if (u.desirable() == null || u.desirable()) {
                desirable++;
            }
            fill(ids, labels, mask, i * len, u.prompt(), u.first());
            fill(ids, labels, mask, (p + i) * len, u.prompt(), u.second());
        }
        return new PairBatch(List.copyOf(units), rows, len, ids, labels, mask, desirable, endsStep);
    }

    private static void fill(long[] ids, long[] labels, long[] mask, int off, int[] prompt, int[] completion) {
        for (int t = 0; t < prompt.length; t++) {
            ids[off + t] = prompt[t];
            mask[off + t] = 1;
        }
        for (int t = 0; t < completion.length; t++) {
            ids[off + prompt.length + t] = completion[t];
            labels[off + prompt.length + t] = completion[t];
            mask[off + prompt.length + t] = 1;
        }
    }

    /** Number of units (pairs) P. */
    public int pairs() {
        return units.size();
    }

    @Override
    public long lossTokens() {
        return units.size();
    }

    @Override
    public long inputTokens() {
        long n = 0;
        for (PairExample u : units) {
            n += u.inputTokens();
        }
        return n;
    }

    @Override
    public List<DataRecord> sources() {
        List<DataRecord> out = new ArrayList<>();
        for (PairExample u : units) {
            out.add(u.record());
        }
        return out;
    }

    NDArray idsArray(NDManager m) {
        return m.create(ids, new Shape(rows, length));
    }

    NDArray labelsArray(NDManager m) {
        return m.create(labels, new Shape(rows, length));
    }

    NDArray maskArray(NDManager m) {
        return m.create(mask, new Shape(rows, length));
    }
}
