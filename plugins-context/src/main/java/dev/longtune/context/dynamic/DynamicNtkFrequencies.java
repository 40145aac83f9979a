package dev.longtune.context.dynamic;

import dev.longtune.api.RopeParameters;
import dev.longtune.api.RopeScaling;
import dev.longtune.context.ntk.NtkScaling;

/**
 * The length-dependent frequencies of dynamic NTK, with transformers' update rule
 * ({@code LlamaRotaryEmbedding._dynamic_frequency_update}, numerics spec B.2). This object is stateful on purpose:
 *
 * <ul>
 *   <li>It starts with the default frequencies and a cached length of L0.
 *   <li>A sequence longer than the cached length recomputes the frequencies for that length, which becomes the
 *       cached length.
 *   <li>A sequence shorter than L0 (strictly), after the frequencies had grown, resets to the defaults and L0.
 *   <li>Anything else keeps the current frequencies: after a 4096-token pass, a 3000-token pass (or one of exactly
 *       L0) still uses the 4096-token base. That is transformers' behaviour, kept so that perplexities match it.
 * </ul>
 *
 * <p>The frequencies for length L are static NTK's ({@link NtkScaling#scaledInverseFrequencies}) with
 * {@code alpha = factor·L/L0 - (factor-1)}, i.e. {@code base' = base·(factor·L/L0 - (factor-1))^(d/(d-2))}.
 *
 * <p>In cached generation past L0 the keys already in the cache keep the rotation of the frequencies they were
 * computed with; transformers does not re-rotate them either (spec B.2, edge case).
 */
final class DynamicNtkFrequencies implements RopeScaling {

    private final RopeParameters rope;
    private final double factor;
    private final int pretrained;
    private final float[] defaults;

    private float[] current;
    private int cachedLength;

    DynamicNtkFrequencies(RopeParameters rope, double factor, int pretrained) {
        this.rope = rope;
        this.factor = factor;
        this.pretrained = pretrained;
        // transformers' initial inv_freq is this very formula at seq_len = L0 (alpha = 1), in fp32.
        this.defaults = forLength(rope, factor, pretrained, pretrained);
        this.current = defaults;
        this.cachedLength = pretrained;
    }

    @Override
    public synchronized float[] inverseFrequencies(int sequenceLength) {
        if (sequenceLength > cachedLength) {
            current = forLength(rope, factor, pretrained, sequenceLength);
            cachedLength = sequenceLength;
        }
        if (sequenceLength < pretrained && cachedLength > pretrained) {
            current = defaults;
            cachedLength = pretrained;
        }
        return current.clone();
    }

    /** The frequencies transformers computes for {@code seq_len = length} (stateless). */
    static float[] forLength(RopeParameters rope, double factor, int pretrained, int length) {
        double l = Math.max(length, pretrained);
        double alpha = factor * l / pretrained - (factor - 1);
        return NtkScaling.scaledInverseFrequencies(rope, alpha);
    }

    @Override
    public boolean dependsOnSequenceLength() {
        return true;
    }
}
