package dev.longtune.training.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Gradient handles done safely. {@code getGradient()} returns a <em>new</em> handle on every call, attached to the
 * parameter's (the model's) manager; it views libtorch's {@code .grad} storage, so in-place ops on it change the
 * gradient itself. We move each handle into the step's manager at once, so everything computed from it lands there
 * too and is freed when the step closes.
 */
public final class Gradients {

    private Gradients() {}

    /**
     * One gradient handle per parameter, in {@code params} order, attached to {@code step}. A parameter that has no
     * gradient yet (it took no part in any backward pass) is reported as {@code null}; clipping and {@link AdamW}
     * skip it, as torch skips parameters whose {@code .grad} is None.
     */
    public static List<NDArray> take(Map<String, NDArray> params, NDManager step) {
        List<NDArray> out = new ArrayList<>(params.size());
        for (NDArray p : params.values()) {
            NDArray g = p.hasGradient() ? p.getGradient() : null; // hasGradient() = requires_grad in DJL
            if (g != null) {
                g.attach(step);
            }
            out.add(g);
        }
        return out;
    }

    /**
     * Zeroes the gradients in place (libtorch accumulates across backward calls until told otherwise) by filling
     * them with 0. Not {@code g - g}, which is what DJL's own zeroGradients does: after an fp16 overflow a gradient
     * holds inf, and inf - inf = NaN would stay in {@code .grad} and make every later step overflow too.
     */
    public static void zero(List<NDArray> grads) {
        for (NDArray g : grads) {
            if (g != null) {
                g.set(ALL, 0f);
            }
        }
    }

    private static final NDIndex ALL = new NDIndex("...");
}
