package dev.longtune.context.dynamic;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.longtune.api.RopeParameters;
import dev.longtune.api.RopeScaling;
import dev.longtune.context.Ulps;
import dev.longtune.context.ntk.NtkScaling;
import dev.longtune.context.ntk.NtkScalingOptions;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DynamicNtkTest {

    private static final RopeParameters SPEC = new RopeParameters(8, 1e4, 2048);
    private static final float[] AT_2048 = {1f, 0.1f, 0.01f, 0.001f};
    private static final float[] AT_3000 = {1f, 0.070454642f, 0.0049638567f, 0.00034972679f};
    private static final float[] AT_4096 = {1f, 0.05848036f, 0.003419952f, 0.0002f};

    /** Two ulps: the table was computed with numpy's fp32 power, which is not correctly rounded (see {@link Ulps}). */
    private static void assertSpec(float[] expected, float[] actual, String message) {
        Ulps.assertWithinTwoUlps(expected, actual, message);
    }

    private static RopeScaling specScaling() {
        return new DynamicNtk(DynamicNtkOptions.ofFactor(4)).ropeScaling(SPEC);
    }

    /** Numerics spec B.2's table (maxpos 2048, factor 4), each row on a fresh model. */
    @Test
    void matchesTheSpecTable() {
        assertArrayEquals(AT_2048, specScaling().inverseFrequencies(2048), 0f);
        assertSpec(AT_3000, specScaling().inverseFrequencies(3000), "spec row");
        assertSpec(AT_4096, specScaling().inverseFrequencies(4096), "spec row");
        assertArrayEquals(AT_2048, specScaling().inverseFrequencies(10), 0f, "shorter than maxpos: default");
        RopeScaling s = specScaling();
        assertEquals(1f, s.attentionFactor());
        assertTrue(s.dependsOnSequenceLength());
    }

    /**
     * transformers' {@code _dynamic_frequency_update}: grow when longer than the cached length, reset only when
     * strictly shorter than maxpos after growing, otherwise keep what is there.
     */
    @Test
    void recomputesExactlyWhenTransformersDoes() {
        RopeScaling s = specScaling();
        assertArrayEquals(AT_2048, s.inverseFrequencies(1000), 0f, "at init: default");
        assertSpec(AT_3000, s.inverseFrequencies(3000), "longer than cached 2048: grows");
        assertSpec(AT_4096, s.inverseFrequencies(4096), "longer than cached 3000: grows");
        assertSpec(AT_4096, s.inverseFrequencies(3000), "not longer than cached 4096: kept");
        assertSpec(AT_4096, s.inverseFrequencies(2048), "exactly maxpos is not below it: kept");
        assertArrayEquals(AT_2048, s.inverseFrequencies(2047), 0f, "below maxpos after growth: reset");
        assertSpec(AT_3000, s.inverseFrequencies(3000), "cached length was reset to 2048: grows again");
    }

    /**
     * d = 128, base 5e5, L0 = 8192, factor 2 at L = 20000, written out: alpha = 2·20000/8192 - 1,
     * base' = 5e5·alpha^(128/126), inv[i] = base'^(-2i/128).
     */
    @Test
    void matchesTheFormulaForHeadDim128() {
        RopeParameters rope = new RopeParameters(128, 5e5, 8192);
        float[] inv = new DynamicNtk(DynamicNtkOptions.ofFactor(2)).ropeScaling(rope).inverseFrequencies(20000);
        double alpha = 2.0 * 20000 / 8192 - 1;
        double base = 5e5 * Math.pow(alpha, 128.0 / 126);
        for (int i = 0; i < 64; i++) {
            double expected = 1 / Math.pow(base, 2.0 * i / 128);
            assertEquals(expected, inv[i], 1e-7 * expected, "pair " + i);
        }
    }

    /**
     * "Dynamic is static NTK re-evaluated per length": with factor 1, dynamic at L = alpha·maxpos equals static
     * {@code ntk} with factor alpha, bit for bit; with factor f, at L it equals ntk(f·L/maxpos - f + 1).
     */
    @Test
    void isStaticNtkWithALengthDependentFactor() {
        RopeParameters rope = new RopeParameters(64, 1e4, 512);
        float[] dynamicAt2048 = new DynamicNtk(DynamicNtkOptions.ofFactor(1)).ropeScaling(rope)
                .inverseFrequencies(2048);
        float[] ntk4 = new NtkScaling(NtkScalingOptions.ofFactor(4)).ropeScaling(rope).inverseFrequencies(1);
        assertArrayEquals(ntk4, dynamicAt2048, 0f);

        float[] dynamicF2At1024 = new DynamicNtk(DynamicNtkOptions.ofFactor(2)).ropeScaling(rope)
                .inverseFrequencies(1024);
        float[] ntk3 = new NtkScaling(NtkScalingOptions.ofFactor(3)).ropeScaling(rope).inverseFrequencies(1);
        assertArrayEquals(ntk3, dynamicF2At1024, 0f, "2·1024/512 - 1 = 3");
    }

    /** An exported model declares the extended length; L0 from rope_scaling keeps the same frequencies. */
    @Test
    void reloadingAnExportKeepsTheFrequencies() {
        DynamicNtk original = new DynamicNtk(DynamicNtkOptions.ofFactor(2));
        RopeParameters rope = new RopeParameters(8, 1e4, 512);
        int declared = original.extendedMaxPositions(512);
        assertEquals(1024, declared);
        Map<String, Object> hf = original.hfRopeScaling(rope);
        assertEquals(Map.of("rope_type", "dynamic", "type", "dynamic", "factor", 2.0,
                "original_max_position_embeddings", 512), hf);
        DynamicNtk reloaded = new DynamicNtk(new DynamicNtkOptions((Double) hf.get("factor"),
                (Integer) hf.get("original_max_position_embeddings")));
        RopeParameters reloadedRope = new RopeParameters(8, 1e4, declared);
        assertEquals(1024, reloaded.extendedMaxPositions(declared));
        for (int len : new int[] {100, 600, 1024, 3000}) {
            assertArrayEquals(original.ropeScaling(rope).inverseFrequencies(len),
                    reloaded.ropeScaling(reloadedRope).inverseFrequencies(len), 0f, "length " + len);
        }
    }
}
