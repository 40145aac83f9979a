package dev.longtune.context.linear;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.longtune.api.RopeParameters;
import dev.longtune.api.RopeScaling;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LinearScalingTest {

    private static float[] inverseFrequencies(int d, double theta, double factor) {
        RopeScaling scaling = new LinearScaling(LinearScalingOptions.ofFactor(factor))
                .ropeScaling(new RopeParameters(d, theta, 2048));
        return scaling.inverseFrequencies(4096);
    }

    /** Numerics spec B.1, worked example: d = 8, base 1e4, factor 4. */
    @Test
    void matchesTheSpecWorkedExample() {
        assertArrayEquals(new float[] {0.25f, 0.025f, 0.0025f, 0.00025f}, inverseFrequencies(8, 1e4, 4), 0f);
    }

    /**
     * d = 128, theta = 5e5, factor 8 (Llama 3 shapes), against {@code 1 / (theta^(2i/d) * factor)} written out here,
     * and against the spec's Llama 3.1 table (B.5), whose pairs 35..63 are "divided by factor" and so must equal
     * linear scaling with the same factor.
     */
    @Test
    void matchesTheFormulaAndTheLlama31TableForLlama3Shapes() {
        float[] inv = inverseFrequencies(128, 5e5, 8);
        assertEquals(64, inv.length);
        assertEquals(0.125f, inv[0], 0f, "theta^0 = 1, divided by 8");
        // i = 1: 1 / (5e5^(2/128) * 8) = exp(-ln(5e5) / 64) / 8
        assertEquals(Math.exp(-Math.log(5e5) / 64) / 8, inv[1], 1e-7 * inv[1]);
        assertEquals(0.8146172 / 8, inv[1], 1e-6 * inv[1], "spec B.5 gives the unscaled inv[1] = 0.8146172");
        // i = 63: 1 / (5e5^(126/128) * 8)
        assertEquals(1 / (Math.pow(5e5, 126.0 / 128) * 8), inv[63], 1e-6 * inv[63]);

        float[] specDivided40to47 = {3.4281024e-5f, 2.7925909e-5f, 2.2748927e-5f, 1.8531669e-5f, 1.5096218e-5f,
            1.2297639e-5f, 1.0017868e-5f, 8.1607277e-6f};
        for (int k = 0; k < specDivided40to47.length; k++) {
            assertEquals(specDivided40to47[k], inv[40 + k], 1e-6 * specDivided40to47[k], "pair " + (40 + k));
        }
        assertEquals(3.767323e-7f, inv[62], 1e-6 * 3.767323e-7f);
        assertEquals(3.068926e-7f, inv[63], 1e-6 * 3.068926e-7f);
    }

    @Test
    void isStaticAndKeepsTheAttentionFactorAtOne() {
        RopeScaling scaling = new LinearScaling(LinearScalingOptions.ofFactor(2))
                .ropeScaling(new RopeParameters(8, 1e4, 512));
        assertEquals(1f, scaling.attentionFactor());
        assertEquals(false, scaling.dependsOnSequenceLength());
        assertArrayEquals(scaling.inverseFrequencies(16), scaling.inverseFrequencies(100_000), 0f);
    }

    @Test
    void factorOneLeavesTheDefaultFrequencies() {
        RopeParameters rope = new RopeParameters(8, 1e4, 512);
        assertArrayEquals(rope.defaultInverseFrequencies(), inverseFrequencies(8, 1e4, 1), 0f);
    }

    @Test
    void extendsMaxPositionsByTheFactorRounded() {
        assertEquals(1024, new LinearScaling(LinearScalingOptions.ofFactor(2)).extendedMaxPositions(512));
        assertEquals(6554, new LinearScaling(LinearScalingOptions.ofFactor(3.2)).extendedMaxPositions(2048),
                "2048 * 3.2 = 6553.6 rounds up");
        assertEquals(8192, new LinearScaling(new LinearScalingOptions(4.0, 2048)).extendedMaxPositions(4096),
                "original_max_position_embeddings names the pretrained length");
    }

    @Test
    void writesBothHfKeySpellingsAndThePretrainedLength() {
        Map<String, Object> hf = new LinearScaling(LinearScalingOptions.ofFactor(4))
                .hfRopeScaling(new RopeParameters(8, 1e4, 512));
        assertEquals(Map.of("rope_type", "linear", "type", "linear", "factor", 4.0,
                "original_max_position_embeddings", 512), hf);
        Map<String, Object> withOriginal = new LinearScaling(new LinearScalingOptions(4.0, 2048))
                .hfRopeScaling(new RopeParameters(8, 1e4, 8192));
        assertEquals(2048, withOriginal.get("original_max_position_embeddings"));
    }

    /**
     * An exported config.json holds the extended max_position_embeddings next to this rope_scaling; binding the
     * rope_scaling back must not extend the model twice.
     */
    @Test
    void reloadingAnExportedRopeScalingKeepsTheExtendedLength() {
        LinearScaling exported = new LinearScaling(LinearScalingOptions.ofFactor(2));
        int extended = exported.extendedMaxPositions(512);
        Map<String, Object> hf = exported.hfRopeScaling(new RopeParameters(8, 1e4, 512));
        LinearScaling reloaded = new LinearScaling(new LinearScalingOptions((Double) hf.get("factor"),
                (Integer) hf.get("original_max_position_embeddings")));
        assertEquals(1024, reloaded.extendedMaxPositions(extended));
    }
}
