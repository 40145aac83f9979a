package dev.longtune.eval.rouge;

import java.util.Arrays;
import java.util.Random;

/**
 * A bootstrap confidence interval of a mean, as rouge_score's {@code BootstrapAggregator} computes it: draw
 * {@code samples} resamples of the per-item scores with replacement, take each resample's mean, and report the
 * {@code (1-c)/2} and {@code 1-(1-c)/2} percentiles of those means with numpy's default linear interpolation. (Its
 * {@code mid}, the 50th percentile, is a bootstrap estimate of the plain mean, which is reported instead.) The
 * generator is seeded, so the same scores give the same interval; numpy's own stream cannot be reproduced here.
 */
public record BootstrapInterval(double low, double high) {

    public static BootstrapInterval of(double[] values, int samples, double confidence, long seed) {
        if (values.length == 0 || samples < 1) {
            throw new IllegalArgumentException("a bootstrap needs values and at least one sample");
        }
        Random rng = new Random(seed);
        double[] means = new double[samples];
        for (int s = 0; s < samples; s++) {
            double sum = 0;
            for (int i = 0; i < values.length; i++) {
                sum += values[rng.nextInt(values.length)];
            }
            means[s] = sum / values.length;
        }
        Arrays.sort(means);
        double delta = (1 - confidence) / 2;
        return new BootstrapInterval(percentile(means, 100 * delta), percentile(means, 100 * (1 - delta)));
    }

    /** numpy.percentile(sorted, q) with its default 'linear' method: rank q/100·(n−1), interpolated. */
    static double percentile(double[] sorted, double q) {
        double rank = q / 100 * (sorted.length - 1);
        int lo = (int) Math.floor(rank);
        int hi = Math.min(lo + 1, sorted.length - 1);
        return sorted[lo] + (rank - lo) * (sorted[hi] - sorted[lo]);
    }
}
