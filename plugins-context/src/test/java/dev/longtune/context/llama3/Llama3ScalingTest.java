package dev.longtune.context.llama3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.longtune.api.RopeParameters;
import dev.longtune.api.RopeScaling;
import java.util.Map;
import org.junit.jupiter.api.Test;

class Llama3ScalingTest {

    /** Numerics spec B.5's example: factor 4, low 1, high 4, L0 1024, d = 8, base 1e4; all three regions. */
    @Test
    void matchesTheSpecWorkedExample() {
        RopeScaling s = new Llama3Scaling(new Llama3ScalingOptions(4.0, 1.0, 4.0, 1024))
                .ropeScaling(new RopeParameters(8, 1e4, 1024));
        float[] inv = s.inverseFrequencies(4096);
        // λ = [6.283, 62.83, 628.3, 6283.2]: kept, kept, smoothed (s = 0.20992), divided
        assertArrayEquals(new float[] {1f, 0.1f, 0.0040743663f, 0.00025f}, inv, 0f);
        double s2 = (1024 / (2 * Math.PI / 0.01) - 1) / (4 - 1);
        assertEquals(0.20992, s2, 1e-5);
        assertEquals(1f, s.attentionFactor());
        assertFalse(s.dependsOnSequenceLength());
    }

    /** The spec's real Llama 3.1 numbers (theta 5e5, hd 128, factor 8, L0 8192). */
    @Test
    void matchesTheRealLlama31Numbers() {
        float[] inv = new Llama3Scaling(Llama3ScalingOptions.llama31())
                .ropeScaling(new RopeParameters(128, 5e5, 131072)).inverseFrequencies(1);
        float[] defaults = new RopeParameters(128, 5e5, 131072).defaultInverseFrequencies();
        int kept = 0;
        int smoothed = 0;
        int divided = 0;
        for (int i = 0; i < 64; i++) {
            if (inv[i] == defaults[i]) {
                kept++;
            } else if (inv[i] == (float) (defaults[i] / 8.0)) {
                divided++;
            } else {
                smoothed++;
            }
        }
        assertEquals(29, kept);
        assertEquals(6, smoothed);
        assertEquals(29, divided);
        assertEquals(0.8146172f, inv[1], 1e-7f);
        float[] spec40to47 = {3.4281024e-5f, 2.7925909e-5f, 2.2748927e-5f, 1.8531669e-5f, 1.5096218e-5f,
            1.2297639e-5f, 1.0017868e-5f, 8.1607277e-6f};
        for (int k = 0; k < spec40to47.length; k++) {
            assertEquals(spec40to47[k], inv[40 + k], 1e-6 * spec40to47[k], "pair " + (40 + k));
        }
        assertEquals(3.767323e-7f, inv[62], 1e-6 * 3.767323e-7f);
        assertEquals(3.068926e-7f, inv[63], 1e-6 * 3.068926e-7f);
    }

    /**
     * d = 128, base 1e4, factor 4, low 2, high 8, L0 2048, written out: λ_i = 2π·1e4^(2i/128);
     * λ < 256 kept, λ > 1024 divided by 4, else s = (2048/λ - 2)/6 and inv = (1-s)·inv/4 + s·inv.
     */
    @Test
    void matchesTheFormulaForHeadDim128() {
        float[] inv = new Llama3Scaling(new Llama3ScalingOptions(4.0, 2.0, 8.0, 2048))
                .ropeScaling(new RopeParameters(128, 1e4, 2048)).inverseFrequencies(1);
        int smoothedPairs = 0;
        for (int i = 0; i < 64; i++) {
            double inv0 = Math.pow(1e4, -2.0 * i / 128);
            double lambda = 2 * Math.PI / inv0;
            double expected;
            if (lambda < 2048 / 8.0) {
                expected = inv0;
            } else if (lambda > 2048 / 2.0) {
                expected = inv0 / 4;
            } else {
                double s = (2048 / lambda - 2) / (8 - 2);
                expected = (1 - s) * inv0 / 4 + s * inv0;
                smoothedPairs++;
            }
            assertEquals(expected, inv[i], 1e-6 * expected, "pair " + i);
        }
        assertEquals(10, smoothedPairs, "λ in [256, 1024]: pairs 26..35");
    }

    @Test
    void declaresFactorTimesL0ButKeepsALongerDeclaration() {
        assertEquals(65536, new Llama3Scaling(Llama3ScalingOptions.llama31()).extendedMaxPositions(8192),
                "applied to Llama 3 8B");
        assertEquals(131072, new Llama3Scaling(Llama3ScalingOptions.llama31()).extendedMaxPositions(131072),
                "Llama 3.1's own config");
    }

    @Test
    void exportsTheLlama31Keys() {
        assertEquals(Map.of("rope_type", "llama3", "type", "llama3", "factor", 8.0, "low_freq_factor", 1.0,
                "high_freq_factor", 4.0, "original_max_position_embeddings", 8192),
                new Llama3Scaling(Llama3ScalingOptions.llama31()).hfRopeScaling(new RopeParameters(128, 5e5, 8192)));
    }
}
