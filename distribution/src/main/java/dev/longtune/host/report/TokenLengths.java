package dev.longtune.host.report;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.ToIntFunction;

/**
 * Token lengths of the training and held-out records, measured once during the run (the tokenizer is only there
 * then) and kept as {@code report/lengths.json}, so the report can be rebuilt later from the output folder alone.
 * At most {@link #CAP} records per split are measured — the first ones, so the numbers are the same on every run —
 * and the report says so when the cap cut a split short.
 *
 * @param maxLength {@code data.max_length}, the cut-off the histogram marks (0 when there is none)
 * @param cap records measured per split at most
 * @param splits one per non-empty split, training first
 * @param note why nothing was measured, when that happened (e.g. a format the host cannot render), else null
 */
public record TokenLengths(@JsonProperty("max_length") int maxLength, int cap, List<Split> splits, String note) {

    public static final int CAP = 2000;
    public static final String FILE = "report/lengths.json";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * @param name "train" or "held-out"
     * @param records records in the split
     * @param lengths token lengths of the measured records, ascending
     */
    public record Split(String name, int records, int[] lengths) {

        @JsonIgnore
        public int measured() {
            return lengths.length;
        }

        @JsonIgnore
        public int min() {
            return lengths[0];
        }

        @JsonIgnore
        public int max() {
            return lengths[lengths.length - 1];
        }

        @JsonIgnore
        public double median() {
            return percentile(lengths, 50);
        }

        @JsonIgnore
        public double p95() {
            return percentile(lengths, 95);
        }

        /** Measured records longer than {@code cutoff} tokens. */
        public int longerThan(int cutoff) {
            int n = 0;
            for (int l : lengths) {
                if (l > cutoff) {
                    n++;
                }
            }
            return n;
        }
    }

    /**
     * Measures every split.
     *
     * @param splits name → records, in display order
     * @param tokens a record's length in tokens
     */
    public static <R> TokenLengths measure(List<Named<R>> splits, ToIntFunction<R> tokens, int maxLength) {
        List<Split> out = new ArrayList<>();
        for (Named<R> s : splits) {
            if (s.records().isEmpty()) {
                continue;
            }
            List<R> measured = s.records().subList(0, Math.min(CAP, s.records().size()));
            int[] lengths = new int[measured.size()];
            for (int i = 0; i < lengths.length; i++) {
                lengths[i] = tokens.applyAsInt(measured.get(i));
            }
            Arrays.sort(lengths);
            out.add(new Split(s.name(), s.records().size(), lengths));
        }
        return new TokenLengths(maxLength, CAP, out, null);
    }

    /** Records of one split under a display name. */
    public record Named<R>(String name, List<R> records) {}

    /** Nothing measured, and why. */
    public static TokenLengths unmeasured(int maxLength, String why) {
        return new TokenLengths(maxLength, CAP, List.of(), why);
    }

    /**
     * The {@code p}-th percentile of ascending {@code sorted} with linear interpolation between closest ranks —
     * numpy's default ({@code np.percentile(x, p)}), so the numbers match what a reader gets from the same lengths.
     */
    public static double percentile(int[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        double h = (sorted.length - 1) * p / 100.0;
        int lo = (int) Math.floor(h);
        int hi = Math.min(lo + 1, sorted.length - 1);
        return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
    }

    public void write(Path outputDir) throws IOException {
        Path file = outputDir.resolve(FILE);
        Files.createDirectories(file.getParent());
        JSON.writeValue(file.toFile(), this);
    }

    /** The lengths a run measured, or null when its folder has none (e.g. a run made before reports had them). */
    public static TokenLengths read(Path outputDir) throws IOException {
        Path file = outputDir.resolve(FILE);
        return Files.isRegularFile(file) ? JSON.readValue(file.toFile(), TokenLengths.class) : null;
    }
}
