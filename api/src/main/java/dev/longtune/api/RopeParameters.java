package dev.longtune.api;

/**
 * The unscaled rotary embedding of a model.
 *
 * @param rotaryDim number of rotated dimensions d (head_dim times partial_rotary_factor); inverse frequencies have d/2
 * @param theta the base ({@code rope_theta})
 * @param maxPositionEmbeddings the model's pretrained context length
 */
public record RopeParameters(int rotaryDim, double theta, int maxPositionEmbeddings) {

    public RopeParameters {
        if (rotaryDim <= 0 || rotaryDim % 2 != 0) {
            throw new IllegalArgumentException("rotaryDim must be a positive even number, was " + rotaryDim);
        }
    }

    /** {@code inv_freq[i] = 1 / theta^(2i/d)} for i in [0, d/2), computed in double and rounded to float. */
    public float[] defaultInverseFrequencies() {
        return inverseFrequencies(theta);
    }

    /** The default formula for another base (NTK-style strategies change the base). */
    public float[] inverseFrequencies(double base) {
        float[] inv = new float[rotaryDim / 2];
        for (int i = 0; i < inv.length; i++) {
            inv[i] = (float) (1.0 / Math.pow(base, (2.0 * i) / rotaryDim));
        }
        return inv;
    }
}
