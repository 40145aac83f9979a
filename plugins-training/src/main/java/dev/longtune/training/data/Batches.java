package dev.longtune.training.data;

import dev.longtune.api.DataRecord;
import dev.longtune.api.TextTokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Groups encoded examples into right-padded micro-batches.
 *
 * <p>Padding goes on the right, to the longest example of the batch, with the pad id in the ids and -100 in the
 * labels. No attention mask is needed: with causal attention a real token at position t only attends to positions
 * {@code <= t}, which are all real when the padding is on the right, so pads never influence a real token's logits;
 * and the pads' own predictions are masked from the loss by their -100 labels.
 */
public final class Batches {

    private Batches() {}

    /** The pad id: EOS when the tokenizer has one (as many HF recipes do), otherwise 0. */
    public static int padId(TextTokenizer tokenizer) {
        return tokenizer.eosId().orElse(0);
    }

    /**
     * The micro-batches of one epoch: {@code examples} shuffled with a generator seeded from {@code (seed, epoch)}
     * (the same seed gives the same order in every run), cut into batches of {@code batchSize}; the last batch may
     * be smaller (nothing is dropped).
     */
    public static List<SftBatch> epoch(List<SftExample> examples, int batchSize, int padId, long seed, int epoch) {
        List<SftExample> order = new ArrayList<>(examples);
        Collections.shuffle(order, new Random(seed * 1_000_003L + epoch));
        return inOrder(order, batchSize, padId);
    }

    /** Micro-batches per megabatch of {@link #groupedEpoch} (HF's {@code LengthGroupedSampler} uses 50). */
    public static final int MEGABATCH_MULT = 50;

    /**
     * The micro-batches of one epoch grouped by length (HF's {@code group_by_length} / {@code LengthGroupedSampler}):
     * the examples are shuffled with the same {@code (seed, epoch)} generator as {@link #epoch}, split into
     * megabatches of {@code 50 * batchSize}, each megabatch sorted by length (longest first, stable) and cut into
     * batches; the megabatch holding the longest example is moved to the front and its longest element to the very
     * first batch, so an out-of-memory shows at the first step. Deterministic per (seed, epoch), so a resumed run
     * rebuilds the same batches; every example appears exactly once per epoch, and the batch count equals
     * {@link #count}.
     */
    public static List<SftBatch> groupedEpoch(List<SftExample> examples, int batchSize, int padId, long seed,
            int epoch) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
        }
        List<SftExample> order = new ArrayList<>(examples);
        Collections.shuffle(order, new Random(seed * 1_000_003L + epoch));
        int mega = MEGABATCH_MULT * batchSize;
        List<List<SftExample>> megas = new ArrayList<>();
        for (int i = 0; i < order.size(); i += mega) {
            List<SftExample> m = new ArrayList<>(order.subList(i, Math.min(order.size(), i + mega)));
            m.sort((a, b) -> Integer.compare(b.ids().length, a.ids().length));
            megas.add(m);
        }
        // HF: the megabatch with the overall longest example first, that example at its head (it already is).
        int best = 0;
        for (int k = 1; k < megas.size(); k++) {
            if (megas.get(k).get(0).ids().length > megas.get(best).get(0).ids().length) {
                best = k;
            }
        }
        Collections.swap(megas, 0, best);
        List<SftBatch> out = new ArrayList<>();
        for (List<SftExample> m : megas) {
            out.addAll(inOrder(m, batchSize, padId));
        }
        return out;
    }

    /** {@link #groupedEpoch} when {@code groupByLength}, else {@link #epoch}. */
    public static List<SftBatch> epoch(List<SftExample> examples, int batchSize, int padId, long seed, int epoch,
            boolean groupByLength) {
        return groupByLength ? groupedEpoch(examples, batchSize, padId, seed, epoch)
                : epoch(examples, batchSize, padId, seed, epoch);
    }

    /** Padding positions (ids that are pads added by batching) over all {@code batches}. */
    public static long paddingTokens(List<SftBatch> batches) {
        long pad = 0;
        for (SftBatch b : batches) {
            pad += (long) b.rows() * b.length() - b.inputTokens();
        }
        return pad;
    }

    /** Batches in the given order (no shuffle), e.g. for evaluation. */
    public static List<SftBatch> inOrder(List<SftExample> examples, int batchSize, int padId) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
        }
        List<SftBatch> out = new ArrayList<>();
        for (int i = 0; i < examples.size(); i += batchSize) {
            out.add(pad(examples.subList(i, Math.min(examples.size(), i + batchSize)), padId));
        }
        return out;
    }

    /** Number of micro-batches an epoch of {@code n} examples gives. */
    public static int count(int n, int batchSize) {
        return (n + batchSize - 1) / batchSize;
    }

    /** One right-padded batch. */
    public static SftBatch pad(List<SftExample> examples, int padId) {
        int rows = examples.size();
        int len = 0;
        for (SftExample e : examples) {
            len = Math.max(len, e.ids().length);
        }
        long[] ids = new long[rows * len];
        long[] labels = new long[rows * len];
        Arrays.fill(ids, padId);
        Arrays.fill(labels, SftEncoder.IGNORE);
        long lossTokens = 0;
        long inputTokens = 0;
        List<DataRecord> sources = new ArrayList<>(rows);
        for (int r = 0; r < rows; r++) {
            SftExample e = examples.get(r);
            for (int t = 0; t < e.ids().length; t++) {
                ids[r * len + t] = e.ids()[t];
                labels[r * len + t] = e.labels()[t];
            }
            lossTokens += e.lossTokens();
            inputTokens += e.ids().length;
            sources.add(e.record());
        }
        return new SftBatch(rows, len, ids, labels, lossTokens, inputTokens, sources);
    }
}
