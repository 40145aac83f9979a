package dev.longtune.models.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.longtune.api.LinearLayer;

/**
 * One projection of a decoder layer, as fine-tuning methods see it: plain {@code x·Wᵀ + b} until a method routes it
 * through its own {@link LinearLayer.Forward} (LoRA, DoRA, QLoRA).
 *
 * <p>The dense weight can be released ({@link #releaseWeight()}, QLoRA) and restored ({@link #restoreWeight}). Both
 * swap the native tensor behind the same {@link NDArray} object ({@code NDArray.intern}), so the model's parameter
 * map, its {@code LlamaLayer} record and this layer keep pointing at one object: released, it holds an empty
 * {@code [0]} placeholder.
 */
final class LlamaLinear implements LinearLayer {

    private final String name;
    private final NDArray weight;
    private final NDArray bias;
    private final int in;
    private final int out;
    private volatile boolean released;
    private volatile Forward forward;

    LlamaLinear(String name, NDArray weight, NDArray bias) {
        this.name = name;
        this.weight = weight;
        this.bias = bias;
        this.out = (int) weight.getShape().get(0);
        this.in = (int) weight.getShape().get(1);
    }

    /** The layer's output for activation {@code x} (attached to x's manager). */
    NDArray apply(NDArray x, boolean training) {
        Forward f = forward;
        if (f == null) {
            if (released) {
                throw new IllegalStateException(name + ": the dense weight was released and no forward is installed");
            }
            return LlamaOps.linear(x, weight, bias);
        }
        return f.apply(x, this, training);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int inFeatures() {
        return in;
    }

    @Override
    public int outFeatures() {
        return out;
    }

    @Override
    public NDArray weight() {
        return released ? null : weight;
    }

    @Override
    public NDArray bias() {
        return bias;
    }

    @Override
    public void setForward(Forward forward) {
        this.forward = forward;
    }

    @Override
    public Forward forward() {
        return forward;
    }

    @Override
    public boolean hasDenseWeight() {
        return !released;
    }

    @Override
    public synchronized void releaseWeight() {
        if (released) {
            return;
        }
        if (forward == null) {
            throw new IllegalStateException(name + ": install a forward before releasing the dense weight");
        }
        boolean grad = weight.hasGradient();
        if (grad) {
            weight.setRequiresGradient(false);
        }
        NDArray placeholder = weight.getManager().create(new Shape(0), weight.getDataType());
        weight.intern(placeholder); // frees the dense tensor; the object now holds the [0] placeholder
        forgetCachedShape(weight);
        released = true;
    }

    @Override
    public synchronized void restoreWeight(NDArray dense) {
        if (dense.getShape().dimension() != 2 || dense.getShape().get(0) != out || dense.getShape().get(1) != in) {
            throw new IllegalArgumentException(name + ": expected a [" + out + ", " + in + "] weight, got "
                    + dense.getShape());
        }
        DataType dtype = weight.getDataType();
        NDArray value = dense.getDataType() == dtype ? dense : dense.toType(dtype, false);
        weight.intern(value); // value's tensor moves into the parameter object; value is emptied
        forgetCachedShape(weight);
        if (value != dense) {
            dense.close();
        }
        released = false;
    }

    /**
     * DJL's PyTorch array caches its shape on first use and {@code intern} does not reset it; clear it so that
     * {@code getShape()}/{@code size()} describe the tensor now behind the object (best effort: if the field is not
     * there, the array keeps reporting the dense shape, which only affects what callers read while released).
     */
    private static void forgetCachedShape(NDArray array) {
        for (Class<?> c = array.getClass(); c != null; c = c.getSuperclass()) {
            try {
                java.lang.reflect.Field f = c.getDeclaredField("shape");
                f.setAccessible(true);
                f.set(array, null);
                return;
            } catch (NoSuchFieldException e) {
                // keep looking up the hierarchy
            } catch (ReflectiveOperationException | RuntimeException e) {
                return;
            }
        }
    }
}
