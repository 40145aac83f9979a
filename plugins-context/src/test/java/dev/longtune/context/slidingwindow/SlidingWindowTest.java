package dev.longtune.context.slidingwindow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.longtune.api.AttentionPattern;
import dev.longtune.api.LongtuneException;
import dev.longtune.api.RopeParameters;
import dev.longtune.api.RopeScaling;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SlidingWindowTest {

    @Test
    void sameWindowInTrainingAndInference() {
        SlidingWindow w = new SlidingWindow(SlidingWindowOptions.ofWindow(256));
        assertEquals(new AttentionPattern.SlidingWindow(256), w.attention(true));
        assertEquals(new AttentionPattern.SlidingWindow(256), w.attention(false));
        assertEquals(List.of(), w.trainableParameters());
    }

    /** RoPE unchanged: the spec's default frequencies for d = 8 and the formula for d = 128. */
    @Test
    void leavesTheRotaryEmbeddingAlone() {
        RopeScaling s = new SlidingWindow(SlidingWindowOptions.ofWindow(4)).ropeScaling(new RopeParameters(8, 1e4, 512));
        assertArrayEquals(new float[] {1f, 0.1f, 0.01f, 0.001f}, s.inverseFrequencies(100_000), 0f);
        assertEquals(1f, s.attentionFactor());
        float[] inv = new SlidingWindow(SlidingWindowOptions.ofWindow(4096))
                .ropeScaling(new RopeParameters(128, 1e6, 32768)).inverseFrequencies(1);
        for (int i = 0; i < 64; i++) {
            double expected = Math.pow(1e6, -2.0 * i / 128);
            assertEquals(expected, inv[i], 1e-7 * expected, "pair " + i);
        }
    }

    @Test
    void declaresThePretrainedLengthUnlessToldOtherwise() {
        assertEquals(512, new SlidingWindow(SlidingWindowOptions.ofWindow(128)).extendedMaxPositions(512));
        assertEquals(4096, new SlidingWindow(new SlidingWindowOptions(128, 4096)).extendedMaxPositions(512));
        LongtuneException e = assertThrows(LongtuneException.class,
                () -> new SlidingWindow(new SlidingWindowOptions(128, 256)).extendedMaxPositions(512));
        assertTrue(e.getMessage().contains("below the model's pretrained 512"), e.getMessage());
    }

    @Test
    void exportsAnUnscaledRopeScaling() {
        assertEquals(Map.of("rope_type", "default"),
                new SlidingWindow(SlidingWindowOptions.ofWindow(128)).hfRopeScaling(new RopeParameters(8, 1e4, 512)));
    }
}
