package dev.longtune.api;

import ai.djl.ndarray.NDArray;

/**
 * One linear projection of a model ({@code y = x·Wᵀ + b}, W stored {@code [out, in]} as in Hugging Face), exposed so
 * that fine-tuning methods can change how it computes without knowing the architecture: LoRA and DoRA add a
 * low-rank branch, QLoRA replaces the dense weight by a 4-bit one dequantized on the fly.
 */
public interface LinearLayer {

    /** The module name, e.g. {@code model.layers.0.self_attn.q_proj} (the weight is {@code name + ".weight"}). */
    String name();

    int inFeatures();

    int outFeatures();

    /** The dense weight {@code [out, in]}, or {@code null} after a method replaced it (QLoRA). */
    NDArray weight();

    /** The bias {@code [out]}, or {@code null}. */
    NDArray bias();

    /**
     * Routes this layer's forward through {@code forward} ({@code null} restores the plain {@code x·Wᵀ + b}).
     * The model calls it with the activation, this layer, and whether it is training.
     */
    void setForward(Forward forward);

    /** A replacement forward for a linear layer. Activations come first in every op (memory attaches to them). */
    @FunctionalInterface
    interface Forward {
        NDArray apply(NDArray x, LinearLayer layer, boolean training);
    }
}
