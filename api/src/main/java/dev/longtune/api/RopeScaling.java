package dev.longtune.api;

/** Inverse frequencies (and attention factor) of a possibly scaled rotary embedding. */
public interface RopeScaling {

    /**
     * The d/2 inverse frequencies to use for a sequence of {@code sequenceLength} positions. Static strategies
     * ignore the length; dynamic ones (dynamic NTK) grow the base with it.
     */
    float[] inverseFrequencies(int sequenceLength);

    /** Multiplies cos and sin (so q·k logits scale by its square); 1 for all but YaRN-like strategies. */
    default float attentionFactor() {
        return 1f;
    }

    /** True when {@link #inverseFrequencies} depends on the sequence length, so caches must key on it. */
    default boolean dependsOnSequenceLength() {
        return false;
    }

    /** The unscaled embedding. */
    static RopeScaling none(RopeParameters rope) {
        float[] inv = rope.defaultInverseFrequencies();
        return length -> inv.clone();
    }
}
