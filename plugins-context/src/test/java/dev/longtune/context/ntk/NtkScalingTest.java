package dev.longtune.context.ntk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.longtune.api.LongtuneException;
import dev.longtune.api.RopeParameters;
import dev.longtune.api.RopeScaling;
import dev.longtune.context.Ulps;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NtkScalingTest {

    private static float[] inverseFrequencies(RopeParameters rope, double factor) {
        return new NtkScaling(NtkScalingOptions.ofFactor(factor)).ropeScaling(rope).inverseFrequencies(1);
    }

    /**
     * The spec has no static-NTK table, but its dynamic-NTK table (B.2, maxpos 2048, factor 4) is static NTK with
     * {@code alpha = 4·L/2048 - 3}: L = 4096 gives alpha 5, L = 3000 gives alpha 2.859375. Same d = 8, base 1e4.
     * The table was computed with fp32 powers, like transformers; see {@link Ulps} for the two-ulp tolerance.
     */
    @Test
    void matchesTheSpecDynamicTableRowsThroughTheirAlpha() {
        RopeParameters rope = new RopeParameters(8, 1e4, 2048);
        assertEquals(85498.797334, NtkScaling.scaledBase(rope, 5), 1e-6);
        Ulps.assertWithinTwoUlps(new float[] {1f, 0.05848036f, 0.003419952f, 0.0002f}, inverseFrequencies(rope, 5),
                "alpha 5");
        assertEquals(40584.620346, NtkScaling.scaledBase(rope, 4.0 * 3000 / 2048 - 3), 1e-6);
        Ulps.assertWithinTwoUlps(new float[] {1f, 0.070454642f, 0.0049638567f, 0.00034972679f},
                inverseFrequencies(rope, 2.859375), "alpha 2.859375");
    }

    /**
     * d = 128, base 1e4, factor 4, written out here: base' = 1e4 · 4^(128/126); inv[i] = base'^(-2i/128). The
     * property NTK is built on: pair 0 is unchanged and the last pair (i = 63) is divided by exactly the factor.
     */
    @Test
    void matchesTheFormulaForHeadDim128() {
        RopeParameters rope = new RopeParameters(128, 1e4, 4096);
        float[] inv = inverseFrequencies(rope, 4);
        double base = 1e4 * Math.pow(4, 128.0 / 126);
        assertEquals(40889.94243248622, base, 1e-6, "numpy: 1e4 * 4 ** (128 / 126)");
        for (int i = 0; i < 64; i++) {
            double expected = Math.pow(base, -2.0 * i / 128);
            assertEquals(expected, inv[i], 1e-7 * expected, "pair " + i);
        }
        assertEquals(1f, inv[0], 0f);
        double lastDefault = Math.pow(1e4, -126.0 / 128);
        assertEquals(lastDefault / 4, inv[63], 1e-6 * inv[63], "lowest frequency divided by exactly the factor");
        assertEquals(0.8471171851512068, inv[1], 1e-7);
    }

    @Test
    void isStaticWithAttentionFactorOne() {
        RopeScaling s = new NtkScaling(NtkScalingOptions.ofFactor(2)).ropeScaling(new RopeParameters(8, 1e4, 512));
        assertEquals(1f, s.attentionFactor());
        assertFalse(s.dependsOnSequenceLength());
        assertArrayEquals(s.inverseFrequencies(1), s.inverseFrequencies(100_000), 0f);
    }

    /** Factor 1 is the default embedding (to the last ulp: NTK computes in fp32 like transformers). */
    @Test
    void factorOneIsTheDefault() {
        RopeParameters rope = new RopeParameters(64, 5e5, 8192);
        float[] defaults = rope.defaultInverseFrequencies();
        float[] inv = inverseFrequencies(rope, 1);
        for (int i = 0; i < defaults.length; i++) {
            assertEquals(defaults[i], inv[i], Math.ulp(defaults[i]), "pair " + i);
        }
    }

    @Test
    void refusesARotaryDimensionOfTwo() {
        LongtuneException e = assertThrows(LongtuneException.class,
                () -> inverseFrequencies(new RopeParameters(2, 1e4, 512), 2));
        assertEquals("NTK-aware scaling needs a rotary dimension of at least 4, was 2", e.getMessage());
    }

    @Test
    void declaresFactorTimesThePretrainedLength() {
        assertEquals(1024, new NtkScaling(NtkScalingOptions.ofFactor(2)).extendedMaxPositions(512));
        assertEquals(8192, new NtkScaling(new NtkScalingOptions(4.0, 2048)).extendedMaxPositions(8192),
                "reloading an export: L0 from the options, extended length kept");
    }

    @Test
    void exportsItsOwnTypeWithThePretrainedLength() {
        Map<String, Object> hf = new NtkScaling(NtkScalingOptions.ofFactor(4))
                .hfRopeScaling(new RopeParameters(8, 1e4, 512));
        assertEquals(Map.of("rope_type", "ntk", "type", "ntk", "factor", 4.0,
                "original_max_position_embeddings", 512), hf);
    }
}
