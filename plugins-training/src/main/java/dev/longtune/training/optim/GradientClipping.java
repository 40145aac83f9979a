package dev.longtune.training.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import java.util.Collection;

/**
 * Global L2-norm gradient clipping, as {@code torch.nn.utils.clip_grad_norm_} does it: the norm of the per-tensor
 * norms, then every gradient scaled by {@code min(1, max / (norm + 1e-6))}. DJL's own {@code optClipGrad} only
 * clamps values from above, so it cannot be used for this.
 */
public final class GradientClipping {

    private GradientClipping() {}

    /**
     * The global L2 norm of {@code grads} (read once: one sync).
     *
     * @param grads gradient handles ({@code null} entries are skipped); temporaries attach to each handle's
     *     manager, so pass handles that live in the step's manager (see {@link Gradients#take})
     */
    public static double globalNorm(Collection<NDArray> grads) {
        NDList norms = new NDList(grads.size());
        try {
            for (NDArray g : grads) {
                if (g != null) {
                    norms.add(g.square().sum().sqrt());
                }
            }
            if (norms.isEmpty()) {
                return 0.0;
            }
            try (NDArray stacked = NDArrays.stack(norms);
                    NDArray sq = stacked.square();
                    NDArray sum = sq.sum();
                    NDArray total = sum.sqrt()) {
                return total.getFloat();
            }
        } finally {
            norms.close();
        }
    }

    /**
     * Clips {@code grads} in place to a global norm of at most {@code maxNorm} ({@code <= 0}: no clipping) and
     * returns the norm measured before clipping.
     */
    public static double clip(Collection<NDArray> grads, double maxNorm) {
        double norm = globalNorm(grads);
        scale(grads, maxNorm, norm);
        return norm;
    }

    /**
     * The second half of {@link #clip}: scales {@code grads} in place by {@code min(1, maxNorm / (norm + 1e-6))},
     * given their already measured global {@code norm} ({@code maxNorm <= 0}: no clipping).
     */
    public static void scale(Collection<NDArray> grads, double maxNorm, double norm) {
        if (maxNorm > 0) {
            double coef = maxNorm / (norm + 1e-6);
            if (coef < 1.0) { // torch multiplies by the clamped coefficient always; multiplying by 1 is a no-op
                for (NDArray g : grads) {
                    if (g != null) {
                        g.muli((float) coef);
                    }
                }
            }
        }
    }
}
