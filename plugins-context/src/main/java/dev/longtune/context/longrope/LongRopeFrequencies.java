package dev.longtune.context.longrope;

import dev.longtune.api.LongtuneException;
import dev.longtune.api.RopeParameters;
import dev.longtune.api.RopeScaling;
import java.util.List;

/**
 * LongRoPE's two frequency sets (numerics spec B.4): {@code inv[i] = 1/(ext[i]·base^(2i/d))} with
 * {@code ext = long_factor} when the sequence is longer than L0, else {@code short_factor}. The switch is decided per
 * forward pass from the sequence length, like transformers' {@code _longrope_frequency_update}; it is not sticky.
 * Both sets are computed once, in float32 like transformers' tensors.
 *
 * <p>In cached generation that crosses L0, keys already cached keep the short-factor rotation (transformers has the
 * same behaviour).
 */
final class LongRopeFrequencies implements RopeScaling {

    private final int pretrained;
    private final float[] shortInv;
    private final float[] longInv;
    private final float attentionFactor;

    LongRopeFrequencies(RopeParameters rope, LongRopeOptions o, int pretrained, double attentionFactor) {
        this.pretrained = pretrained;
        this.shortInv = scaled(rope, o.shortFactor(), "short_factor");
        this.longInv = scaled(rope, o.longFactor(), "long_factor");
        this.attentionFactor = (float) attentionFactor;
    }

    static float[] scaled(RopeParameters rope, List<Double> ext, String key) {
        int d = rope.rotaryDim();
        if (ext.size() != d / 2) {
            throw new LongtuneException("longrope '" + key + "' has " + ext.size() + " entries but the model's "
                    + "rotary dimension " + d + " has " + d / 2 + " pairs");
        }
        float base = (float) rope.theta();
        float[] inv = new float[d / 2];
        for (int i = 0; i < inv.length; i++) {
            float posFreq = (float) Math.pow(base, (float) (2 * i) / d);
            inv[i] = 1f / (ext.get(i).floatValue() * posFreq);
        }
        return inv;
    }

    @Override
    public float[] inverseFrequencies(int sequenceLength) {
        return (sequenceLength > pretrained ? longInv : shortInv).clone();
    }

    @Override
    public float attentionFactor() {
        return attentionFactor;
    }

    @Override
    public boolean dependsOnSequenceLength() {
        return true;
    }
}
