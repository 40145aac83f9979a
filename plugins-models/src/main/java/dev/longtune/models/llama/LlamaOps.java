package dev.longtune.models.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;

/**
 * The Llama building blocks as static functions on NDArrays (DJL has no RMSNorm, SiLU or rotate_half). The
 * activation is always the first operand, so results attach to the activation's manager, never to a parameter's.
 * Public so fine-tuning methods (LoRA wrappers and the like) compute exactly what the model computes.
 */
public final class LlamaOps {

    private LlamaOps() {}

    /** {@code x·Wᵀ + b} through torch's addmm; W is [out, in] as in HF; {@code bias} may be null. */
    public static NDArray linear(NDArray x, NDArray weight, NDArray bias) {
        return x.getNDArrayInternal().linear(x, weight, bias).singletonOrThrow();
    }

    /**
     * Llama RMSNorm: {@code x / sqrt(mean(x², -1) + eps)} with the statistic in fp32, cast back to the input dtype,
     * then times {@code weight} (transformers multiplies after the downcast).
     */
    public static NDArray rmsNorm(NDArray x, NDArray weight, float eps) {
        if (x.getDataType() == DataType.FLOAT32) {
            return x.div(x.square().mean(new int[] {-1}, true).add(eps).sqrt()).mul(weight);
        }
        NDArray x32 = cast(x, DataType.FLOAT32);
        NDArray y = x32.div(x32.square().mean(new int[] {-1}, true).add(eps).sqrt());
        return cast(y, x.getDataType()).mul(weight);
    }

    /** {@link #rmsNorm(NDArray, NDArray, float)} with eps as a cached 0-d array (saves a scalar tensor per call). */
    public static NDArray rmsNorm(NDArray x, NDArray weight, NDArray eps) {
        if (x.getDataType() == DataType.FLOAT32) {
            return x.div(x.square().mean(new int[] {-1}, true).add(eps).sqrt()).mul(weight);
        }
        NDArray x32 = cast(x, DataType.FLOAT32);
        NDArray y = x32.div(x32.square().mean(new int[] {-1}, true).add(eps).sqrt());
        return cast(y, x.getDataType()).mul(weight);
    }

    /** {@code x·sigmoid(x)} (DJL's swish goes through an extra multiply by beta). */
    public static NDArray silu(NDArray x) {
        return x.mul(x.getNDArrayInternal().sigmoid());
    }

    /**
     * HF rotary embedding on {@code x [..., hd]}: {@code x·cos + rotate_half(x)·sin}, computed as
     * {@code x·cos + [x_hi, x_lo]·sinSigned} where {@code sinSigned = [-sin, +sin]} (sign flips are exact).
     *
     * @param lowHalf index selecting {@code [..., :hd/2]}
     * @param highHalf index selecting {@code [..., hd/2:]}
     */
    public static NDArray rope(NDArray x, NDArray cos, NDArray sinSigned, NDIndex lowHalf, NDIndex highHalf) {
        NDArray swapped = x.get(highHalf).concat(x.get(lowHalf), -1);
        return x.mul(cos).add(swapped.mul(sinSigned));
    }

    /** Softmax over the last axis computed in float32 and cast back (transformers upcasts attention scores). */
    public static NDArray softmax32(NDArray scores) {
        return scores.getDataType() == DataType.FLOAT32
                ? scores.softmax(-1)
                : cast(cast(scores, DataType.FLOAT32).softmax(-1), scores.getDataType());
    }

    /**
     * {@code x} converted to {@code dtype} <em>on the autograd path</em> (torch's {@code x.to(dtype)}). DJL's
     * {@code toType} cannot be used inside a training forward: its JNI cast returns a tensor cut from the graph
     * (checked with DJL 0.36 / libtorch 2.7: backward through it fails with "element 0 of tensors does not require
     * grad", and anything before it gets no gradient), which silently breaks float16 training. {@code cumprod} with
     * a {@code dtype} argument casts its input first and is differentiable; over an added axis of length 1 it is the
     * identity, so this is an exact cast whose backward is the cast back.
     */
    public static NDArray cast(NDArray x, DataType dtype) {
        if (x.getDataType() == dtype) {
            return x;
        }
        return x.expandDims(-1).cumProd(-1, dtype).squeeze(-1);
    }
}
