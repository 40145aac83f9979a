package dev.longtune.models.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.longtune.api.GenerationOptions;
import org.junit.jupiter.api.Test;

/** Sampler distributions against values computed by hand. */
class SamplerTest {

    // logits ln(1), ln(2), ln(3), ln(4): softmax = [0.1, 0.2, 0.3, 0.4]
    private static final float[] LOGITS = {0f, (float) Math.log(2), (float) Math.log(3), (float) Math.log(4)};

    @Test
    void greedyTakesFirstMaximum() {
        assertEquals(3, Sampler.argmax(LOGITS));
        assertEquals(1, Sampler.argmax(new float[] {0f, 5f, 5f, 1f}));
        assertEquals(2, new Sampler(GenerationOptions.greedy(1)).next(new float[] {1f, 2f, 9f}));
    }

    @Test
    void temperatureOneIsPlainSoftmax() {
        assertArrayEquals(new double[] {0.1, 0.2, 0.3, 0.4}, Sampler.distribution(LOGITS, 1f, 0, 1f), 1e-7);
    }

    @Test
    void temperatureTwoTakesSquareRoots() {
        // p_i ∝ sqrt(i+1): sqrt(1..4) = 1, 1.41421, 1.73205, 2 ; sum 6.14626
        double s = 1 + Math.sqrt(2) + Math.sqrt(3) + 2;
        assertArrayEquals(new double[] {1 / s, Math.sqrt(2) / s, Math.sqrt(3) / s, 2 / s},
                Sampler.distribution(LOGITS, 2f, 0, 1f), 1e-7);
    }

    @Test
    void topKKeepsTheKLargest() {
        // k = 2 keeps 0.3 and 0.4 -> 3/7, 4/7
        assertArrayEquals(new double[] {0, 0, 3.0 / 7, 4.0 / 7}, Sampler.distribution(LOGITS, 1f, 2, 1f), 1e-7);
    }

    @Test
    void topPKeepsTheSmallestNucleusReachingP() {
        // sorted 0.4, 0.3 (cum 0.7), 0.2 (cum 0.9): p = 0.75 needs the first three -> 0.4/0.9, 0.3/0.9, 0.2/0.9
        assertArrayEquals(new double[] {0, 2.0 / 9, 3.0 / 9, 4.0 / 9}, Sampler.distribution(LOGITS, 1f, 0, 0.75f),
                1e-7);
        // p = 0.7 is reached exactly by the first two
        assertArrayEquals(new double[] {0, 0, 3.0 / 7, 4.0 / 7}, Sampler.distribution(LOGITS, 1f, 0, 0.7f), 1e-6);
        // a tiny p keeps only the top token
        assertArrayEquals(new double[] {0, 0, 0, 1}, Sampler.distribution(LOGITS, 1f, 0, 0.01f), 0);
    }

    @Test
    void samplingIsSeededAndFollowsTheDistribution() {
        GenerationOptions o = new GenerationOptions(1, 1f, 0, 1f, 123L, false);
        Sampler a = new Sampler(o);
        Sampler b = new Sampler(o);
        int[] counts = new int[4];
        for (int i = 0; i < 20000; i++) {
            int x = a.next(LOGITS);
            assertEquals(x, b.next(LOGITS));
            counts[x]++;
        }
        for (int i = 0; i < 4; i++) {
            double freq = counts[i] / 20000.0;
            assertTrue(Math.abs(freq - 0.1 * (i + 1)) < 0.015, "token " + i + " frequency " + freq);
        }
    }
}
