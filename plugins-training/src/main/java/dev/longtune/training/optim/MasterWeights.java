package dev.longtune.training.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import dev.longtune.api.LongtuneException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * float32 master weights for mixed-precision training (the recipe of Micikevicius et al., "Mixed Precision
 * Training", 2018, and of torch AMP + GradScaler): the model computes with float16 weights and activations, while
 * the optimiser updates a float32 copy of every float16 trainable, which is then rounded back into the model after
 * each step. Updates smaller than half a float16 ulp of a weight are thus accumulated instead of lost.
 *
 * <p>A float32 trainable (LoRA adapters, which compute in the activations' dtype through a differentiable cast) is
 * its own master: nothing is copied. So on a float32 model this class does nothing at all.
 *
 * <p>Masters live in this object's sub-manager (closed by {@link #close}); copies back into the model go through a
 * detached view of each parameter, outside autograd, like {@link AdamW}'s updates.
 */
public final class MasterWeights implements AutoCloseable {

    private static final NDIndex ALL = new NDIndex("...");

    private final Map<String, NDArray> masters;
    /** Per trainable, in order: a detached view of the float16 model parameter, or null when it is its own master. */
    private final List<NDArray> halfViews;
    private final NDManager state;

    /**
     * @param trainable the parameters as the model holds them (float32 or float16), in optimiser order
     * @param parent the masters' sub-manager is opened under this one (the run's root manager, not the model's)
     */
    public MasterWeights(Map<String, NDArray> trainable, NDManager parent) {
        this.state = parent.newSubManager();
        Map<String, NDArray> m = new LinkedHashMap<>();
        List<NDArray> views = new ArrayList<>(trainable.size());
        for (Map.Entry<String, NDArray> e : trainable.entrySet()) {
            NDArray p = e.getValue();
            if (p.getDataType() == DataType.FLOAT32) {
                m.put(e.getKey(), p);
                views.add(null);
            } else if (p.getDataType() == DataType.FLOAT16) {
                NDArray view = p.stopGradient();
                view.attach(state); // made on the model's manager (first operand): ours from here on
                NDArray master = view.toType(DataType.FLOAT32, true);
                master.attach(state);
                m.put(e.getKey(), master);
                views.add(view);
            } else {
                state.close();
                throw new LongtuneException("cannot train " + e.getKey() + ": it is " + p.getDataType()
                        + "; trainable weights must be float32 or float16");
            }
        }
        this.masters = Collections.unmodifiableMap(m);
        this.halfViews = views;
    }

    /** Whether any trainable is float16 (and so has a separate float32 master). */
    public boolean mixed() {
        return halfViews.stream().anyMatch(v -> v != null);
    }

    /** The float32 weights the optimiser updates and checkpoints hold, by name, in the trainables' order. */
    public Map<String, NDArray> masters() {
        return masters;
    }

    /**
     * The gradients as float32, in trainables order: a float16 parameter's gradient is widened into a new array in
     * {@code step} (exact: every float16 is a float32), a float32 one is passed through as is. {@code null} stays
     * {@code null} (no gradient this step).
     */
    public List<NDArray> float32(List<NDArray> grads, NDManager step) {
        if (grads.size() != halfViews.size()) {
            throw new IllegalArgumentException("expected " + halfViews.size() + " gradients, got " + grads.size());
        }
        List<NDArray> out = new ArrayList<>(grads.size());
        for (int i = 0; i < grads.size(); i++) {
            NDArray g = grads.get(i);
            if (g == null || halfViews.get(i) == null) {
                out.add(g);
            } else {
                NDArray wide = g.toType(DataType.FLOAT32, true);
                wide.attach(step);
                out.add(wide);
            }
        }
        return out;
    }

    /** Rounds every float32 master into its float16 model parameter (round to nearest even), in place. */
    public void copyToModel() {
        try (NDManager scratch = state.newSubManager()) {
            int i = 0;
            for (NDArray master : masters.values()) {
                NDArray view = halfViews.get(i++);
                if (view == null) {
                    continue;
                }
                NDArray half = master.toType(DataType.FLOAT16, true);
                half.attach(scratch);
                // index_put_ over the whole tensor writes into the parameter's own storage (see TrainingLoop's
                // restoreWeights for why NDArray.set(Buffer) would not).
                view.set(ALL, half);
            }
        }
    }

    @Override
    public void close() {
        state.close();
    }
}
