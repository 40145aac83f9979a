package dev.longtune.training.optim;

import dev.longtune.api.LongtuneException;
import dev.longtune.api.config.TrainingConfig;

/**
 * Learning rate per optimiser step: linear warm-up from 0, then constant, linear or cosine decay towards
 * {@code minLrRatio * peak}. Matches Hugging Face's {@code get_*_schedule_with_warmup} lambdas (and
 * {@code get_cosine_with_min_lr_schedule_with_warmup} for the floor), evaluated like HF's LambdaLR: optimiser step
 * {@code s} (0-based, i.e. the number of steps already taken) uses {@code peak * f(s)}, so the very first step of a
 * run with warm-up has learning rate 0, exactly as in HF.
 *
 * <pre>
 *   s &lt; W:      f(s) = s / max(1, W)
 *   otherwise:   p = (s - W) / max(1, N - W)                      (progress through the decay, 0..1)
 *     constant   f = 1
 *     linear     f = r + (1 - r) * max(0, 1 - p)                   (HF: max(0, (N - s) / max(1, N - W)))
 *     cosine     f = r + (1 - r) * max(0, 0.5 * (1 + cos(pi * p)))  (HF with num_cycles = 0.5)
 * </pre>
 *
 * where W = warm-up steps, N = total steps, r = minLrRatio. The floor r does not apply during warm-up (HF neither).
 */
public final class LrSchedule {

    public static final java.util.List<String> NAMES = java.util.List.of("constant", "linear", "cosine");

    private final String kind;
    private final double peak;
    private final long warmup;
    private final long total;
    private final double minRatio;

    public LrSchedule(String kind, double peak, long warmupSteps, long totalSteps, double minLrRatio) {
        if (!NAMES.contains(kind)) {
            throw new LongtuneException("unknown training.lr_scheduler '" + kind + "'; valid values: " + NAMES);
        }
        this.kind = kind;
        this.peak = peak;
        this.warmup = Math.max(0, warmupSteps);
        this.total = totalSteps;
        this.minRatio = minLrRatio;
    }

    /**
     * The schedule a {@link TrainingConfig} asks for over {@code totalSteps}. Warm-up is {@code warmup_steps} when
     * positive, otherwise {@code ceil(warmup_ratio * totalSteps)} (HF's {@code get_warmup_steps}).
     */
    public static LrSchedule of(TrainingConfig config, long totalSteps) {
        long w = config.warmupSteps() > 0
                ? config.warmupSteps()
                : (long) Math.ceil(config.warmupRatio() * totalSteps);
        return new LrSchedule(config.lrScheduler(), config.learningRate(), w, totalSteps, config.minLrRatio());
    }

    public long warmupSteps() {
        return warmup;
    }

    /** Learning rate for optimiser step {@code s} (0-based). */
    public double lr(long s) {
        return peak * factor(s);
    }

    private double factor(long s) {
        if (s < warmup) {
            return (double) s / Math.max(1, warmup);
        }
        double progress = (double) (s - warmup) / Math.max(1, total - warmup);
        double decay = switch (kind) {
            case "constant" -> 1.0;
            case "linear" -> Math.max(0.0, 1.0 - progress);
            default -> Math.max(0.0, 0.5 * (1.0 + Math.cos(Math.PI * progress)));
        };
        return "constant".equals(kind) ? 1.0 : minRatio + (1.0 - minRatio) * decay;
    }
}
