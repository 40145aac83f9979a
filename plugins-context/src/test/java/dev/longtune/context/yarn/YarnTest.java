package dev.longtune.context.yarn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.longtune.api.RopeParameters;
import dev.longtune.api.RopeScaling;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class YarnTest {

    private static YarnOptions options(double factor, Integer original, Boolean truncate) {
        return new YarnOptions(factor, original, null, null, truncate, null, null, null);
    }

    /** Numerics spec B.3's example: factor 4, L0 2048, d = 8, base 1e4. */
    @Test
    void matchesTheSpecWorkedExample() {
        RopeParameters rope = new RopeParameters(8, 1e4, 2048);
        assertEquals(1.0080001, YarnFrequencies.correctionDim(32, 8, 1e4, 2048), 1e-7);
        assertEquals(2.5131501, YarnFrequencies.correctionDim(1, 8, 1e4, 2048), 1e-7);
        assertArrayEquals(new double[] {1, 3},
                YarnFrequencies.correctionRange(YarnOptions.ofFactor(4), 8, 1e4, 2048), 0);

        RopeScaling s = new Yarn(YarnOptions.ofFactor(4)).ropeScaling(rope);
        // ramp [0, 0, 0.5, 1]; bit for bit the spec's fp32 values
        assertArrayEquals(new float[] {1.0f, 0.1f, 0.0062499996f, 0.00025000001f}, s.inverseFrequencies(4096), 0f);
        assertEquals(1.1386294361, s.attentionFactor(), 1e-7);
        assertFalse(s.dependsOnSequenceLength());
    }

    @Test
    void matchesTheSpecWithoutTruncation() {
        RopeParameters rope = new RopeParameters(8, 1e4, 2048);
        // ramp [0, 0, 0.65907043, 1]: low = 1.0080001, high = 2.5131501 kept fractional
        float[] inv = new Yarn(options(4, null, false)).ropeScaling(rope).inverseFrequencies(1);
        assertArrayEquals(new float[] {1f, 0.1f, 0.0050569717f, 0.00025f}, inv, 0f);
    }

    @Test
    void defaultAttentionFactorMatchesTheSpecMscales() {
        assertEquals(1.2079442, YarnFrequencies.attentionFactor(YarnOptions.ofFactor(8)), 1e-7);
        assertEquals(1.2772589, YarnFrequencies.attentionFactor(YarnOptions.ofFactor(16)), 1e-7);
        assertEquals(1.3465736, YarnFrequencies.attentionFactor(YarnOptions.ofFactor(32)), 1e-7);
        assertEquals(1.0, YarnFrequencies.attentionFactor(YarnOptions.ofFactor(1)), 0, "factor <= 1: 1");
    }

    @Test
    void attentionFactorFromMscaleNeedsBothKeysAndAnExplicitValueWins() {
        // get_mscale(f, m) = 0.1·m·ln f + 1; DeepSeek-style ratio
        double expected = (0.1 * 1.0 * Math.log(40) + 1) / (0.1 * 0.5 * Math.log(40) + 1);
        assertEquals(expected, YarnFrequencies.attentionFactor(
                new YarnOptions(40.0, 4096, null, null, null, null, 1.0, 0.5)), 1e-12);
        assertEquals(1.0, YarnFrequencies.attentionFactor(
                new YarnOptions(40.0, 4096, null, null, null, null, 0.707, 0.707)), 1e-12, "DeepSeek-V2: ratio 1");
        assertEquals(0.1 * Math.log(40) + 1, YarnFrequencies.attentionFactor(
                new YarnOptions(40.0, 4096, null, null, null, null, 1.0, null)), 1e-12, "mscale alone: ignored");
        assertEquals(0.9, YarnFrequencies.attentionFactor(
                new YarnOptions(40.0, 4096, null, null, null, 0.9, 1.0, 0.5)), 1e-12, "attention_factor wins");
    }

    /**
     * L0 comes from original_max_position_embeddings when given: a model declaring 8192 positions with L0 = 2048
     * gets the spec's L0 = 2048 numbers, not those of L0 = 8192.
     */
    @Test
    void takesL0FromTheOptionsBeforeTheCheckpoint() {
        float[] withOriginal = new Yarn(options(4, 2048, null)).ropeScaling(new RopeParameters(8, 1e4, 8192))
                .inverseFrequencies(1);
        assertArrayEquals(new float[] {1.0f, 0.1f, 0.0062499996f, 0.00025000001f}, withOriginal, 0f);
        float[] fromCheckpoint = new Yarn(YarnOptions.ofFactor(4)).ropeScaling(new RopeParameters(8, 1e4, 8192))
                .inverseFrequencies(1);
        assertFalse(java.util.Arrays.equals(withOriginal, fromCheckpoint));
    }

    /**
     * d = 128, base 1e4, factor 16, L0 4096, written out: low = floor(128·ln(4096/(2π·32))/(2·ln 1e4)) = 20,
     * high = ceil(128·ln(4096/(2π))/(2·ln 1e4)) = 46; ramp = clamp((i-20)/26, 0, 1);
     * inv = inv0·(1-ramp) + (inv0/16)·ramp; attention factor 0.1·ln 16 + 1.
     */
    @Test
    void matchesTheFormulaForHeadDim128() {
        RopeScaling s = new Yarn(YarnOptions.ofFactor(16)).ropeScaling(new RopeParameters(128, 1e4, 4096));
        double low = Math.floor(128 * Math.log(4096 / (2 * Math.PI * 32)) / (2 * Math.log(1e4)));
        double high = Math.ceil(128 * Math.log(4096 / (2 * Math.PI)) / (2 * Math.log(1e4)));
        assertEquals(20, low);
        assertEquals(46, high);
        float[] inv = s.inverseFrequencies(65536);
        for (int i = 0; i < 64; i++) {
            double inv0 = Math.pow(1e4, -2.0 * i / 128);
            double ramp = Math.min(Math.max((i - low) / (high - low), 0), 1);
            double expected = inv0 * (1 - ramp) + inv0 / 16 * ramp;
            assertEquals(expected, inv[i], 2e-6 * expected, "pair " + i);
        }
        assertEquals(0.1 * Math.log(16) + 1, s.attentionFactor(), 1e-6);
    }

    /**
     * The upper clamp is d-1, not d/2-1 (kept from both sources): d = 8, L0 = 65536 gives (low, high) = (2, 5), so
     * the last pair (i = 3) is only a third interpolated instead of fully.
     */
    @Test
    void keepsTheDMinusOneClampQuirk() {
        assertArrayEquals(new double[] {2, 5},
                YarnFrequencies.correctionRange(YarnOptions.ofFactor(4), 8, 1e4, 65536), 0);
        float[] inv = new Yarn(YarnOptions.ofFactor(4)).ropeScaling(new RopeParameters(8, 1e4, 65536))
                .inverseFrequencies(1);
        double ramp = (3 - 2) / 3.0;
        assertEquals(0.001 * (1 - ramp) + 0.00025 * ramp, inv[3], 1e-9);
    }

    @Test
    void declaresFactorTimesL0AndNeverShrinks() {
        assertEquals(1024, new Yarn(YarnOptions.ofFactor(2)).extendedMaxPositions(512));
        assertEquals(131072, new Yarn(options(4, 32768, null)).extendedMaxPositions(32768), "Qwen2.5 style");
        assertEquals(163840, new Yarn(options(40, 4096, null)).extendedMaxPositions(163840), "DeepSeek-V3 style");
    }

    @Test
    void exportsWhatItNeedsAndReloadsToTheSameFrequencies() {
        YarnOptions o = new YarnOptions(4.0, null, 16.0, 2.0, false, null, null, null);
        Yarn yarn = new Yarn(o);
        RopeParameters rope = new RopeParameters(64, 1e4, 2048);
        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("rope_type", "yarn");
        expected.put("type", "yarn");
        expected.put("factor", 4.0);
        expected.put("original_max_position_embeddings", 2048);
        expected.put("beta_fast", 16.0);
        expected.put("beta_slow", 2.0);
        expected.put("truncate", false);
        Map<String, Object> hf = yarn.hfRopeScaling(rope);
        assertEquals(expected, hf);

        // The exported config.json declares 8192 positions; L0 must stay 2048.
        Yarn reloaded = new Yarn(new YarnOptions((Double) hf.get("factor"),
                (Integer) hf.get("original_max_position_embeddings"), (Double) hf.get("beta_fast"),
                (Double) hf.get("beta_slow"), (Boolean) hf.get("truncate"), null, null, null));
        RopeParameters exported = new RopeParameters(64, 1e4, yarn.extendedMaxPositions(2048));
        assertEquals(8192, exported.maxPositionEmbeddings());
        assertArrayEquals(yarn.ropeScaling(rope).inverseFrequencies(1),
                reloaded.ropeScaling(exported).inverseFrequencies(1), 0f);
        assertEquals(8192, reloaded.extendedMaxPositions(8192));
    }
}
