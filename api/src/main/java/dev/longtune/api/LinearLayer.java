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

    /**
     * Whether the layer still holds its dense weight: false after {@link #releaseWeight()} (QLoRA), when only the
     * installed {@link Forward} can compute it.
     */
    default boolean hasDenseWeight() {
        return weight() != null;
    }

    /**
     * Frees the dense weight's memory, for methods that keep the base weight in another form (QLoRA holds it as
     * 4-bit NF4 and dequantizes it inside its {@link Forward}). A {@link Forward} must be installed first. The array
     * object the model lists in {@code LanguageModel.parameters()} stays the same object but holds an empty
     * placeholder (shape {@code [0]}) until {@link #restoreWeight}; {@link #weight()} returns {@code null} meanwhile,
     * so a model save while the weight is released fails or writes a placeholder; restore (or merge) first.
     *
     * @throws UnsupportedOperationException when the model cannot release its weights
     */
    default void releaseWeight() {
        throw new UnsupportedOperationException(name() + ": this model cannot release its dense weights");
    }

    /**
     * Puts a dense weight {@code [out, in]} back after {@link #releaseWeight()}, or replaces the current one: the
     * values of {@code weight} move into the original parameter object (so {@code LanguageModel.parameters()} and
     * saving see them); {@code weight} itself is consumed (closed).
     */
    default void restoreWeight(NDArray weight) {
        throw new UnsupportedOperationException(name() + ": this model cannot replace its dense weights");
    }

    /** The layer's current {@link Forward}, or {@code null} for the plain {@code x·Wᵀ + b}. */
    default Forward forward() {
        return null;
    }

    /** A replacement forward for a linear layer. Activations come first in every op (memory attaches to them). */
    @FunctionalInterface
    interface Forward {
        NDArray apply(NDArray x, LinearLayer layer, boolean training);
    }
}
