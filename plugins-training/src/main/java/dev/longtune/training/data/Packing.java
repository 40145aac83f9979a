package dev.longtune.training.data;

import dev.longtune.api.DataRecord;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;

/**
 * SFT packing (spec D.6, TRL's {@code bfd}): examples are assigned to rows of {@code data.max_length} tokens by
 * best-fit decreasing, and each row is the concatenation of its examples with no padding between them. Per row, the
 * positions restart at 0 for each example, the segment ids number the examples 0, 1, ..., and the label at every
 * position whose position is 0 is -100, so no token is predicted across a document boundary; the model masks keys of
 * other segments (block-diagonal attention). The summed shifted loss of a packed row is therefore exactly the sum
 * of its examples' unpacked losses, over the same {@link SftExample#lossTokens()}.
 *
 * <p>Rows of one micro-batch that differ in length are right-padded to the longest with the pad id, label -100 and a
 * segment of their own (positions 0, 1, ... within it), which no real token attends to.
 */
public final class Packing {

    private Packing() {}

    /**
     * Best-fit decreasing: items taken longest first (ties by index), each placed in the open bin with the least room
     * left that still fits it, else in a new bin. Returns the bins as item indices, bins in the order they were
     * opened, items in the order they were placed.
     *
     * @throws IllegalArgumentException when an item is longer than {@code capacity}
     */
    public static List<List<Integer>> bestFitDecreasing(int[] lengths, int capacity) {
        Integer[] order = new Integer[lengths.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
            if (lengths[i] > capacity) {
                throw new IllegalArgumentException("item " + i + " of length " + lengths[i]
                        + " does not fit a row of " + capacity);
            }
        }
        Arrays.sort(order, Comparator.comparingInt((Integer i) -> -lengths[i]).thenComparingInt(i -> i));
        List<List<Integer>> bins = new ArrayList<>();
        int[] room = new int[lengths.length];
        // Room left -> bins with that room (lowest bin index first, for a deterministic choice).
        TreeMap<Integer, java.util.TreeSet<Integer>> byRoom = new TreeMap<>();
        for (int item : order) {
            var fit = byRoom.ceilingEntry(lengths[item]);
            int bin;
            if (fit == null) {
                bin = bins.size();
                bins.add(new ArrayList<>());
                room[bin] = capacity;
            } else {
                bin = fit.getValue().first();
                fit.getValue().remove(bin);
                if (fit.getValue().isEmpty()) {
                    byRoom.remove(fit.getKey());
                }
            }
            bins.get(bin).add(item);
            room[bin] -= lengths[item];
            byRoom.computeIfAbsent(room[bin], r -> new java.util.TreeSet<>()).add(bin);
        }
        return bins;
    }

    /** The examples packed into rows of at most {@code capacity} tokens (best-fit decreasing on their lengths). */
    public static List<List<SftExample>> pack(List<SftExample> examples, int capacity) {
        int[] lengths = new int[examples.size()];
        for (int i = 0; i < lengths.length; i++) {
            lengths[i] = examples.get(i).ids().length;
        }
        List<List<SftExample>> rows = new ArrayList<>();
        for (List<Integer> bin : bestFitDecreasing(lengths, capacity)) {
            List<SftExample> row = new ArrayList<>(bin.size());
            for (int i : bin) {
                row.add(examples.get(i));
            }
            rows.add(row);
        }
        return rows;
    }

    /**
     * The micro-batches of one epoch over packed rows: the rows shuffled with a generator seeded from
     * {@code (seed, epoch)} (as {@link Batches#epoch}), cut into batches of {@code batchSize} rows.
     */
    public static List<SftBatch> epoch(List<List<SftExample>> rows, int batchSize, int padId, long seed, int epoch) {
        List<List<SftExample>> order = new ArrayList<>(rows);
        Collections.shuffle(order, new Random(seed * 1_000_003L + epoch));
        return inOrder(order, batchSize, padId);
    }

    /** Batches of packed rows in the given order, e.g. for evaluation. */
    public static List<SftBatch> inOrder(List<List<SftExample>> rows, int batchSize, int padId) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
        }
        List<SftBatch> out = new ArrayList<>();
        for (int i = 0; i < rows.size(); i += batchSize) {
            out.add(batch(rows.subList(i, Math.min(rows.size(), i + batchSize)), padId));
        }
        return out;
    }

    /** One batch of packed rows, each row its examples back to back, right-padded to the longest row. */
    public static SftBatch batch(List<List<SftExample>> rows, int padId) {
        int n = rows.size();
        int len = 0;
        for (List<SftExample> row : rows) {
            int l = 0;
            for (SftExample e : row) {
                l += e.ids().length;
            }
            len = Math.max(len, l);
        }
        long[] ids = new long[n * len];
        long[] labels = new long[n * len];
        long[] positions = new long[n * len];
        long[] segments = new long[n * len];
        long lossTokens = 0;
        long inputTokens = 0;
        List<DataRecord> sources = new ArrayList<>();
        for (int r = 0; r < n; r++) {
            int at = r * len;
            int segment = 0;
            for (SftExample e : rows.get(r)) {
                for (int t = 0; t < e.ids().length; t++) {
                    ids[at] = e.ids()[t];
                    labels[at] = t == 0 ? SftEncoder.IGNORE : e.labels()[t]; // position 0: no cross-document target
                    positions[at] = t;
                    segments[at] = segment;
                    at++;
                }
                segment++;
                lossTokens += e.lossTokens();
                inputTokens += e.ids().length;
                sources.add(e.record());
            }
            for (int p = 0; at < (r + 1) * len; p++, at++) {
                ids[at] = padId;
                labels[at] = SftEncoder.IGNORE;
                positions[at] = p;
                segments[at] = segment;
            }
        }
        return new SftBatch(n, len, ids, labels, lossTokens, inputTokens, sources, positions, segments);
    }
}
