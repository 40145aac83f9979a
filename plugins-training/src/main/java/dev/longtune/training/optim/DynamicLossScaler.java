package dev.longtune.training.optim;

import ai.djl.ndarray.NDArray;
import java.util.Collection;

/**
 * Dynamic loss scaling for float16 training, torch's {@code GradScaler} algorithm (DJL has no GradScaler): the loss
 * is multiplied by {@link #scale()} before backward; after backward the gradients are checked for inf/nan and
 * unscaled (divided by the scale, before clipping). A step with a non-finite gradient is skipped and the scale is
 * multiplied by {@code backoff} (0.5); after {@code growthInterval} (2000) consecutive finite steps it is multiplied
 * by {@code growth} (2). Initial scale 2^16.
 *
 * <p>The bookkeeping ({@link #update(boolean)}) is plain Java and tested in isolation; {@link #unscale} works on the
 * gradient arrays in place.
 */
public final class DynamicLossScaler {

    private double scale;
    private final double growth;
    private final double backoff;
    private final int growthInterval;
    private int growthTracker;
    private long skipped;

    /** torch defaults: 2^16, ×2, ×0.5, every 2000 steps. */
    public DynamicLossScaler() {
        this(65536.0, 2.0, 0.5, 2000);
    }

    public DynamicLossScaler(double initScale, double growth, double backoff, int growthInterval) {
        if (!(initScale > 0) || !(growth > 1) || !(backoff > 0 && backoff < 1) || growthInterval < 1) {
            throw new IllegalArgumentException("invalid loss-scaler settings");
        }
        this.scale = initScale;
        this.growth = growth;
        this.backoff = backoff;
        this.growthInterval = growthInterval;
    }

    /** The current scale: multiply the loss by it before backward. */
    public double scale() {
        return scale;
    }

    /** Steps skipped so far for non-finite gradients. */
    public long skipped() {
        return skipped;
    }

    /** Consecutive finite steps since the last change of scale. */
    public int growthTracker() {
        return growthTracker;
    }

    /** The scaler's whole state, for checkpoints (a resumed fp16 run must continue with the same scale). */
    public State state() {
        return new State(scale, growthTracker, skipped);
    }

    /** Continues from a state made by {@link #state()} (the settings are the constructor's). */
    public void restore(State s) {
        if (!(s.scale() > 0) || Double.isInfinite(s.scale()) || s.growthTracker() < 0
                || s.growthTracker() >= growthInterval || s.skipped() < 0) {
            throw new IllegalArgumentException("invalid loss-scaler state " + s + " (growth interval "
                    + growthInterval + ")");
        }
        scale = s.scale();
        growthTracker = s.growthTracker();
        skipped = s.skipped();
    }

    /**
     * What changes while training (torch's GradScaler {@code state_dict()}: {@code scale}, {@code _growth_tracker};
     * plus our count of skipped steps).
     */
    public record State(double scale, int growthTracker, long skipped) {}

    /**
     * Checks {@code grads} for inf/nan and, when all are finite, divides them by the scale in place (in float32
     * arithmetic on the array's own dtype). Returns whether all were finite; when not, the gradients are left as is
     * and the caller must skip the optimiser step (then call {@link #update(boolean)} with {@code false}).
     */
    public boolean unscale(Collection<NDArray> grads) {
        for (NDArray g : grads) {
            if (g == null) {
                continue;
            }
            try (NDArray bad = g.isInfinite().logicalOr(g.isNaN()); NDArray any = bad.any()) {
                if (any.getBoolean()) {
                    return false;
                }
            }
        }
        for (NDArray g : grads) {
            if (g == null) {
                continue;
            }
            try (NDArray inv = g.getManager().create((float) (1.0 / scale)).toType(g.getDataType(), false)) {
                g.muli(inv);
            }
        }
        return true;
    }

    /**
     * Updates the scale after a step: {@code finite == false} means the step was skipped (scale ×backoff, tracker
     * reset); otherwise the tracker grows and at {@code growthInterval} the scale is ×growth (tracker reset).
     * Returns whether the optimiser step should be taken (= {@code finite}).
     */
    public boolean update(boolean finite) {
        if (!finite) {
            scale *= backoff;
            growthTracker = 0;
            skipped++;
            return false;
        }
        growthTracker++;
        if (growthTracker == growthInterval) {
            scale *= growth;
            growthTracker = 0;
        }
        return true;
    }
}
