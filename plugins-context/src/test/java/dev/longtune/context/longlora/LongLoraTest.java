package dev.longtune.context.longlora;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.longtune.api.AttentionPattern;
import dev.longtune.api.RopeParameters;
import dev.longtune.api.RopeScaling;
import dev.longtune.context.linear.LinearScaling;
import dev.longtune.context.linear.LinearScalingOptions;
import java.util.List;
import org.junit.jupiter.api.Test;

class LongLoraTest {

    /** Positions are Position Interpolation: spec B.1's example (factor 4) and linear's frequencies for d = 128. */
    @Test
    void positionsArePositionInterpolation() {
        RopeScaling s = new LongLora(LongLoraOptions.ofFactor(4)).ropeScaling(new RopeParameters(8, 1e4, 2048));
        assertArrayEquals(new float[] {0.25f, 0.025f, 0.0025f, 0.00025f}, s.inverseFrequencies(8192), 0f);
        assertEquals(1f, s.attentionFactor());

        RopeParameters llama2 = new RopeParameters(128, 1e4, 4096);
        float[] inv = new LongLora(LongLoraOptions.ofFactor(8)).ropeScaling(llama2).inverseFrequencies(1);
        for (int i = 0; i < 64; i++) {
            double expected = Math.pow(1e4, -2.0 * i / 128) / 8; // 1/(1e4^(2i/128)·8)
            assertEquals(expected, inv[i], 1e-6 * expected, "pair " + i);
        }
        assertArrayEquals(new LinearScaling(LinearScalingOptions.ofFactor(8)).ropeScaling(llama2)
                .inverseFrequencies(1), inv, 0f);
    }

    /** Spec C: S²-Attn with group_size_ratio 1/4 in training, full causal attention at inference. */
    @Test
    void shiftedSparseInTrainingCausalAtInference() {
        LongLora flash = new LongLora(LongLoraOptions.ofFactor(4));
        assertEquals(new AttentionPattern.ShiftedSparse(0.25, false), flash.attention(true));
        assertEquals(AttentionPattern.CAUSAL, flash.attention(false));

        LongLora roll = new LongLora(new LongLoraOptions(4.0, null, 0.125, "roll", null));
        assertEquals(new AttentionPattern.ShiftedSparse(0.125, true), roll.attention(true));
        assertEquals(AttentionPattern.CAUSAL, roll.attention(false));
    }

    @Test
    void trainsEmbeddingsAndNormsLikeFineTunePy() {
        assertEquals(List.of("embed", "norm"), new LongLora(LongLoraOptions.ofFactor(2)).trainableParameters());
        assertEquals(List.of("embed", "norm", "lm_head"), new LongLora(new LongLoraOptions(2.0, null, null, null,
                " embed, norm ,lm_head,")).trainableParameters());
        assertEquals(List.of(), new LongLora(new LongLoraOptions(2.0, null, null, null, "")).trainableParameters());
    }

    @Test
    void declaresAndExportsLikeLinear() {
        LongLora longLora = new LongLora(new LongLoraOptions(4.0, 2048, null, null, null));
        LinearScaling linear = new LinearScaling(new LinearScalingOptions(4.0, 2048));
        RopeParameters rope = new RopeParameters(8, 1e4, 4096);
        assertEquals(linear.extendedMaxPositions(4096), longLora.extendedMaxPositions(4096));
        assertEquals(linear.hfRopeScaling(rope), longLora.hfRopeScaling(rope));
        assertEquals("linear", longLora.hfRopeScaling(rope).get("rope_type"));
    }
}
