package dev.longtune.eval;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/** The context lengths a length sweep runs at. */
public final class Lengths {

    private Lengths() {}

    /**
     * {@code requested} sorted and without repeats, or, when it is empty, a quarter, half, three quarters and all of
     * the model's context ({@code max_position_embeddings}, which already includes any context extension), so the
     * default sweep ends exactly at the length the model claims.
     */
    public static List<Integer> resolve(List<Integer> requested, int modelContext) {
        TreeSet<Integer> lengths = new TreeSet<>();
        if (requested.isEmpty()) {
            for (int k = 1; k <= 4; k++) {
                lengths.add(Math.max(2, modelContext * k / 4));
            }
        } else {
            lengths.addAll(requested);
        }
        return new ArrayList<>(lengths);
    }

    /** Checks an options record's list: every length positive (at least {@code min}). */
    public static List<Integer> validated(List<Integer> lengths, String key, int min) {
        if (lengths == null) {
            return List.of();
        }
        for (Integer l : lengths) {
            if (l == null || l < min) {
                throw new IllegalArgumentException("'" + key + "' must hold whole numbers of at least " + min
                        + ", got " + lengths);
            }
        }
        return List.copyOf(lengths);
    }
}
