package dev.longtune.models.generate;

import dev.longtune.api.GenerationOptions;
import java.util.Arrays;
import java.util.Random;

/**
 * Picks the next token from a row of logits, in plain Java so it is deterministic and testable: argmax when
 * greedy, otherwise temperature, then top-k, then top-p (nucleus) filtering like transformers' logits warpers, and
 * a draw from the remaining distribution with a seeded {@link Random}.
 */
public final class Sampler {

    private final GenerationOptions options;
    private final Random random;

    public Sampler(GenerationOptions options) {
        this.options = options;
        this.random = new Random(options.seed());
    }

    /** The next token id. */
    public int next(float[] logits) {
        if (options.isGreedy()) {
            return argmax(logits);
        }
        double[] p = distribution(logits, options.temperature(), options.topK(), options.topP());
        double u = random.nextDouble();
        double acc = 0;
        int last = -1;
        for (int i = 0; i < p.length; i++) {
            if (p[i] > 0) {
                acc += p[i];
                last = i;
                if (u < acc) {
                    return i;
                }
            }
        }
        return last; // rounding left u just above the total
    }

    /** Index of the first maximum (torch.argmax picks the first too). */
    public static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }

    /**
     * The sampling distribution after temperature, top-k (keep tokens whose logit is at least the k-th largest, as
     * transformers does, so ties at the boundary survive) and top-p (keep the most probable tokens until their
     * cumulative probability reaches {@code topP}, always at least one). Filtered tokens get probability 0.
     */
    public static double[] distribution(float[] logits, float temperature, int topK, float topP) {
        int n = logits.length;
        double[] z = new double[n];
        for (int i = 0; i < n; i++) {
            z[i] = logits[i] / (double) temperature;
        }
        boolean[] keep = new boolean[n];
        Arrays.fill(keep, true);
        if (topK > 0 && topK < n) {
            double[] sorted = z.clone();
            Arrays.sort(sorted);
            double kth = sorted[n - topK];
            for (int i = 0; i < n; i++) {
                keep[i] = z[i] >= kth;
            }
        }
        double[] p = softmax(z, keep);
        if (topP < 1f) {
            Integer[] order = new Integer[n];
            for (int i = 0; i < n; i++) {
                order[i] = i;
            }
            Arrays.sort(order, (a, b) -> Double.compare(p[b], p[a]));
            boolean[] nucleus = new boolean[n];
            double acc = 0;
            for (int r = 0; r < n; r++) {
                int i = order[r];
                if (p[i] <= 0) {
                    break;
                }
                nucleus[i] = true;
                acc += p[i];
                if (acc >= topP) {
                    break;
                }
            }
            return softmax(z, nucleus);
        }
        return p;
    }

    private static double[] softmax(double[] z, boolean[] keep) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < z.length; i++) {
            if (keep[i]) {
                max = Math.max(max, z[i]);
            }
        }
        double[] p = new double[z.length];
        double sum = 0;
        for (int i = 0; i < z.length; i++) {
            if (keep[i]) {
                p[i] = Math.exp(z[i] - max);
                sum += p[i];
            }
        }
        for (int i = 0; i < z.length; i++) {
            p[i] /= sum;
        }
        return p;
    }
}
