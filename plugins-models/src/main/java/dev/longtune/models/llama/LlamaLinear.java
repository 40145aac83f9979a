package dev.longtune.models.llama;

import ai.djl.ndarray.NDArray;
import dev.longtune.api.LinearLayer;

/**
 * One projection of a decoder layer, as fine-tuning methods see it: plain {@code x·Wᵀ + b} until a method routes it
 * through its own {@link LinearLayer.Forward} (LoRA, DoRA, QLoRA).
 */
final class LlamaLinear implements LinearLayer {

    private final String name;
    private final NDArray weight;
    private final NDArray bias;
    private volatile Forward forward;

    LlamaLinear(String name, NDArray weight, NDArray bias) {
        this.name = name;
        this.weight = weight;
        this.bias = bias;
    }

    /** The layer's output for activation {@code x} (attached to x's manager). */
    NDArray apply(NDArray x, boolean training) {
        Forward f = forward;
        return f == null ? LlamaOps.linear(x, weight, bias) : f.apply(x, this, training);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int inFeatures() {
        return (int) weight.getShape().get(1);
    }

    @Override
    public int outFeatures() {
        return (int) weight.getShape().get(0);
    }

    @Override
    public NDArray weight() {
        return weight;
    }

    @Override
    public NDArray bias() {
        return bias;
    }

    @Override
    public void setForward(Forward forward) {
        this.forward = forward;
    }
}
