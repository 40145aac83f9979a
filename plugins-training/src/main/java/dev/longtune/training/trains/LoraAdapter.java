package dev.longtune.training.trains;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.longtune.api.LinearLayer;
import dev.longtune.training.quant.Nf4Tensor;

/**
 * The low-rank branch on one linear layer, as PEFT computes it (numerics spec D.1, D.2, D.5):
 *
 * <pre>
 *   LoRA:  y = x·Wᵀ + b + s·B(A(dropout(x)))
 *   DoRA:  n = ‖W + s·B·A‖_row  (computed from detached B, A and itself detached),  g = m / n
 *          y = g·(x·Wᵀ + s·B(A(x))) + b                                 (no dropout)
 *          y = x·Wᵀ + b + (g − 1)·(x'·Wᵀ) + g·s·B(A(x')),  x' = dropout(x)   (dropout active)
 * </pre>
 *
 * W is the layer's dense weight, or, for QLoRA, the NF4 weight dequantized into the activation's manager on every
 * call (freed with the step). Every op has the activation (or something derived from it) as its first operand, so
 * all temporaries attach to the step's manager; the only constant on the autograd path, {@code s}, is a torch-owned
 * 0-d array made once.
 */
final class LoraAdapter implements LinearLayer.Forward {

    final LinearLayer layer;
    final NDArray a; // [r, in]
    final NDArray b; // [out, r]
    final NDArray magnitude; // [out], DoRA only
    final Nf4Tensor quantized; // QLoRA only: the base weight
    final double scaling;
    final float dropout;
    private final NDArray scale; // 0-d float32, torch-owned
    volatile boolean disabled;

    LoraAdapter(LinearLayer layer, NDArray a, NDArray b, NDArray magnitude, Nf4Tensor quantized, double scaling,
            double dropout, NDManager constants) {
        this.layer = layer;
        this.a = a;
        this.b = b;
        this.magnitude = magnitude;
        this.quantized = quantized;
        this.scaling = scaling;
        this.dropout = (float) dropout;
        this.scale = constants.full(new Shape(), (float) scaling, DataType.FLOAT32);
    }

    /** The base weight for a forward on {@code m}: the dense one, or the NF4 one dequantized into {@code m}. */
    NDArray baseWeight(NDManager m) {
        return quantized != null ? quantized.dequantize(m) : layer.weight();
    }

    @Override
    public NDArray apply(NDArray x, LinearLayer l, boolean training) {
        NDManager m = x.getManager();
        NDArray w = baseWeight(m);
        NDArray bias = l.bias();
        if (disabled) {
            return linear(x, w, bias);
        }
        boolean drop = training && dropout > 0f;
        NDArray xd = drop ? x.getNDArrayInternal().dropout(x, dropout, true).singletonOrThrow() : x;
        NDArray lora = linear(linear(xd, inDtypeOf(a, x, m), null), inDtypeOf(b, x, m), null).mul(scale);
        if (magnitude == null) {
            return linear(x, w, bias).add(lora);
        }
        NDArray g = doraScale(w, m).mul(magnitude); // m / ‖W + s·B·A‖_row, gradient to m only
        if (!drop) {
            NDArray y = linear(x, w, null).add(lora).mul(g);
            return bias == null ? y : y.add(bias);
        }
        NDArray base = linear(x, w, bias);
        NDArray xw = linear(xd, w, null);
        return base.add(xw.mul(g)).sub(xw).add(lora.mul(g));
    }

    /** {@code 1 / ‖W + s·B·A‖_row} with everything detached, attached to {@code m}. */
    NDArray doraScale(NDArray w, NDManager m) {
        try (NDArray norm = weightNorm(w, m)) {
            return norm.pow(-1f);
        }
    }

    /** {@code ‖W + s·B·A‖_row} (no gradient), attached to {@code m}. */
    NDArray weightNorm(NDArray w, NDManager m) {
        try (NDManager scratch = m.newSubManager()) {
            NDArray merged = mergedWeight(w, scratch);
            NDArray n = merged.square().sum(new int[] {1}).sqrt();
            n.attach(m);
            return n;
        }
    }

    /** {@code s·B·A}, detached, attached to {@code m}. */
    NDArray delta(NDManager m) {
        NDArray bd = b.stopGradient();
        bd.attach(m);
        NDArray ad = a.stopGradient();
        ad.attach(m);
        return bd.matMul(ad).mul(scale);
    }

    /** {@code W + s·B·A}, detached, attached to {@code m}. */
    NDArray mergedWeight(NDArray w, NDManager m) {
        NDArray wd = w.stopGradient();
        wd.attach(m);
        return delta(m).add(wd);
    }

    /**
     * Folds the adapter into the layer's weight: LoRA {@code W += s·B·A}; DoRA {@code W ← (m/‖W + s·B·A‖_row)·(W +
     * s·B·A)}. A dense weight is updated in place (the model's parameter object); a released one (QLoRA) is
     * dequantized, merged and put back with {@link LinearLayer#restoreWeight}.
     */
    void mergeInto(NDManager scratch) {
        if (!layer.hasDenseWeight()) {
            NDArray w = quantized.dequantize(scratch);
            NDArray merged = mergedWeight(w, scratch);
            if (magnitude != null) {
                merged = merged.mul(doraFactor(merged, scratch));
            }
            merged.detach();
            layer.setForward(null);
            layer.restoreWeight(merged);
            return;
        }
        NDArray view = layer.weight().stopGradient();
        view.attach(scratch);
        NDArray d = delta(scratch);
        if (magnitude == null) {
            view.addi(d);
        } else {
            NDArray factor = doraFactor(d.add(view), scratch);
            view.addi(d).muli(factor);
        }
        layer.setForward(null);
    }

    private NDArray doraFactor(NDArray merged, NDManager m) {
        NDArray norm = merged.square().sum(new int[] {1}).sqrt();
        NDArray mag = magnitude.stopGradient();
        mag.attach(m);
        return mag.div(norm).reshape(-1, 1);
    }

    /** The weight this adapter's layer computes with, merged, as a new array in {@code m} (tests). */
    NDArray merged(NDManager m) {
        NDArray merged = mergedWeight(baseWeight(m), m);
        return magnitude == null ? merged : merged.mul(doraFactor(merged, m));
    }

    /**
     * Adapter weight {@code p} in the activation's dtype: itself on a float32 model; on a float16 base, a float16
     * compute copy made on the autograd path (so the float32 adapter, the optimiser's master, gets the gradient),
     * attached to {@code m}. DJL's {@code toType} would cut the graph; {@code cumprod} with a dtype over an added
     * axis of length 1 is an exact, differentiable cast (as {@code LlamaOps.cast}).
     */
    static NDArray inDtypeOf(NDArray p, NDArray x, NDManager m) {
        if (p.getDataType() == x.getDataType()) {
            return p;
        }
        NDArray unit = p.expandDims(-1); // lands on p's manager (first operand): move it to the step's
        unit.attach(m);
        return unit.cumProd(-1, x.getDataType()).squeeze(-1);
    }

    static NDArray linear(NDArray x, NDArray w, NDArray bias) {
        return x.getNDArrayInternal().linear(x, w, bias).singletonOrThrow();
    }
}
