package dev.longtune.training.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.longtune.api.LongtuneException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * AdamW exactly as {@code torch.optim.AdamW} (single-tensor path, {@code amsgrad=False}) computes it, per parameter:
 *
 * <pre>
 *   p   -= lr * wd * p                      (decoupled decay; wd = 0 for 1-D parameters: norms, biases)
 *   m    = b1 * m + (1 - b1) * g
 *   v    = b2 * v + (1 - b2) * g^2
 *   p   -= (lr / (1 - b1^t)) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
 * </pre>
 *
 * We do not use DJL's {@code Optimizer.adamW}: it has one global weight decay (no parameter groups) and folds the
 * bias correction into the learning rate with eps added to the uncorrected {@code sqrt(v)} (the epsilon-hat form),
 * which is not torch's update.
 *
 * <p><b>Memory and autograd.</b> The moment buffers live in this optimiser's own sub-manager (closed by
 * {@link #close}). Updates are written in place into a detached view of each parameter ({@code stopGradient()}
 * shares storage, like {@code p.data} in torch), made once here: in-place ops on a leaf that requires grad would be
 * refused by libtorch if grad mode happened to be on, and the view keeps the updates out of any graph. Every
 * temporary is closed as soon as it is used.
 */
public final class AdamW implements AutoCloseable {

    private final List<String> names;
    private final List<NDArray> views;
    private final List<NDArray> m;
    private final List<NDArray> v;
    private final boolean[] decay;
    private final double[] lrScale;
    private final float beta1;
    private final float beta2;
    private final float eps;
    private final float weightDecay;
    private final NDManager state;
    private long step;

    /**
     * @param params trainable parameters by name (iteration order is the order gradients are passed in)
     * @param parent the optimiser opens its state manager under this one (the run's root manager, not the model's)
     */
    public AdamW(Map<String, NDArray> params, double beta1, double beta2, double eps, double weightDecay,
            NDManager parent) {
        this(params, beta1, beta2, eps, weightDecay, parent, Map.of());
    }

    /**
     * As above, with a learning-rate multiplier per parameter name (absent names: 1), i.e. torch parameter groups
     * that differ only in lr: LoRA+ puts {@code lora_B} and 1-D parameters at {@code lr·ratio}. The decoupled weight
     * decay uses the scaled lr too ({@code p -= lr·scale·wd·p}), as a torch group with that lr would. The training
     * loop passes its strategy's {@code learningRateScale()} here.
     */
    public AdamW(Map<String, NDArray> params, double beta1, double beta2, double eps, double weightDecay,
            NDManager parent, Map<String, Double> learningRateScales) {
        this.beta1 = (float) beta1;
        this.beta2 = (float) beta2;
        this.eps = (float) eps;
        this.weightDecay = (float) weightDecay;
        this.state = parent.newSubManager();
        this.names = new ArrayList<>(params.keySet());
        this.views = new ArrayList<>(params.size());
        this.m = new ArrayList<>(params.size());
        this.v = new ArrayList<>(params.size());
        this.decay = new boolean[params.size()];
        this.lrScale = new double[params.size()];
        Map<String, Double> scales = learningRateScales == null ? Map.of() : learningRateScales;
        for (String n : scales.keySet()) {
            if (!params.containsKey(n)) {
                throw new LongtuneException("learning-rate scale for " + n + ", which is not a trained parameter");
            }
        }
        for (int k = 0; k < names.size(); k++) {
            double sc = scales.getOrDefault(names.get(k), 1.0);
            if (!(sc > 0) || Double.isInfinite(sc)) {
                throw new LongtuneException("learning-rate scale of " + names.get(k) + " must be > 0, was " + sc);
            }
            lrScale[k] = sc;
        }
        int i = 0;
        for (NDArray p : params.values()) {
            if (p.getDataType() != DataType.FLOAT32) {
                throw new LongtuneException("AdamW needs float32 parameters; " + names.get(i) + " is "
                        + p.getDataType());
            }
            NDArray view = p.stopGradient();
            view.attach(state); // created on the model's manager (first operand); owned by us from here on
            views.add(view);
            m.add(state.zeros(p.getShape(), DataType.FLOAT32));
            v.add(state.zeros(p.getShape(), DataType.FLOAT32));
            decay[i] = p.getShape().dimension() > 1; // torch/HF convention: no decay for norms and biases
            i++;
        }
    }

    /** The learning-rate multiplier of the named parameter (1 unless scaled). */
    public double learningRateScale(String name) {
        return lrScale[names.indexOf(name)];
    }

    /** Number of optimiser steps taken so far (torch's {@code state['step']}). */
    public long stepCount() {
        return step;
    }

    /** Parameter names in update order. */
    public List<String> names() {
        return List.copyOf(names);
    }

    /** Whether weight decay applies to the named parameter (false for 1-D tensors). */
    public boolean decays(String name) {
        return decay[names.indexOf(name)];
    }

    /**
     * One update with learning rate {@code lr}.
     *
     * @param grads one gradient per parameter in {@link #names()} order ({@code null}: skip that parameter this
     *     step, as torch does for {@code grad is None}); temporaries attach to each gradient's manager, so pass
     *     handles that live in the step's manager
     */
    public void step(List<NDArray> grads, double lr) {
        if (grads.size() != views.size()) {
            throw new IllegalArgumentException("expected " + views.size() + " gradients, got " + grads.size());
        }
        step++;
        float bc1 = (float) (1.0 - Math.pow(beta1, step));
        float bc2Sqrt = (float) Math.sqrt(1.0 - Math.pow(beta2, step));
        for (int i = 0; i < views.size(); i++) {
            NDArray g = grads.get(i);
            if (g == null) {
                continue;
            }
            double lri = lr * lrScale[i];
            float stepSize = (float) (lri / bc1);
            NDArray p = views.get(i);
            if (decay[i] && weightDecay != 0f) {
                p.muli((float) (1.0 - lri * weightDecay));
            }
            NDArray mi = m.get(i);
            try (NDArray scaled = g.mul(1f - beta1)) {
                mi.muli(beta1).addi(scaled);
            }
            NDArray vi = v.get(i);
            try (NDArray sq = g.square()) {
                sq.muli(1f - beta2);
                vi.muli(beta2).addi(sq);
            }
            try (NDArray denom = vi.sqrt()) {
                denom.divi(bc2Sqrt).addi(eps);
                try (NDArray update = mi.div(denom)) {
                    update.muli(stepSize);
                    p.subi(update);
                }
            }
        }
    }

    /** A copy of the optimiser state as plain arrays, for checkpoints. */
    public State exportState() {
        Map<String, float[]> ms = new LinkedHashMap<>();
        Map<String, float[]> vs = new LinkedHashMap<>();
        for (int i = 0; i < names.size(); i++) {
            ms.put(names.get(i), m.get(i).toFloatArray());
            vs.put(names.get(i), v.get(i).toFloatArray());
        }
        return new State(step, ms, vs);
    }

    /** Restores a state made by {@link #exportState} for the same parameters. */
    public void importState(State s) {
        for (int i = 0; i < names.size(); i++) {
            String n = names.get(i);
            float[] mv = s.m().get(n);
            float[] vv = s.v().get(n);
            if (mv == null || vv == null || mv.length != m.get(i).size() || vv.length != v.get(i).size()) {
                throw new LongtuneException("optimiser state does not match parameter " + n);
            }
            m.get(i).set(mv);
            v.get(i).set(vv);
        }
        step = s.step();
    }

    @Override
    public void close() {
        state.close();
    }

    /**
     * Optimiser state: step count and first/second moments by parameter name.
     *
     * @param step optimiser steps taken
     */
    public record State(long step, Map<String, float[]> m, Map<String, float[]> v) {}
}
