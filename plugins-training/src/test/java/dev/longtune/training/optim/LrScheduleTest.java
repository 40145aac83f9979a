package dev.longtune.training.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.longtune.api.LongtuneException;
import dev.longtune.api.config.TrainingConfig;
import org.junit.jupiter.api.Test;

/** The schedule against HF's closed forms (warm-up 10 of 110 steps, so decay progress is (s - 10) / 100). */
class LrScheduleTest {

    private static final double PEAK = 2e-3;
    private static final double TOL = 1e-15;

    @Test
    void warmupIsLinearFromZeroAndReachesPeakAtItsEnd() {
        LrSchedule s = new LrSchedule("cosine", PEAK, 10, 110, 0.0);
        assertEquals(0.0, s.lr(0), TOL); // HF: the first optimiser step of a warmed-up run has lr 0
        assertEquals(PEAK * 1 / 10, s.lr(1), TOL);
        assertEquals(PEAK * 9 / 10, s.lr(9), TOL);
        assertEquals(PEAK, s.lr(10), TOL);
    }

    @Test
    void cosineDecaysToTheFloor() {
        double r = 0.1;
        LrSchedule s = new LrSchedule("cosine", PEAK, 10, 110, r);
        for (long step : new long[] {10, 35, 60, 85, 109, 110}) {
            double p = (step - 10) / 100.0;
            double expected = PEAK * (r + (1 - r) * 0.5 * (1 + Math.cos(Math.PI * p)));
            assertEquals(expected, s.lr(step), TOL, "step " + step);
        }
        assertEquals(PEAK * (r + (1 - r) * 0.5), s.lr(60), TOL); // half-way: mid-point between peak and floor
        assertEquals(PEAK * r, s.lr(110), TOL);
        assertEquals(PEAK * 5 / 10, s.lr(5), TOL); // the floor does not apply in warm-up
    }

    @Test
    void linearAndConstant() {
        LrSchedule lin = new LrSchedule("linear", PEAK, 10, 110, 0.0);
        assertEquals(PEAK, lin.lr(10), TOL);
        assertEquals(PEAK * 0.75, lin.lr(35), TOL);
        assertEquals(PEAK * (110 - 109) / 100.0, lin.lr(109), TOL); // HF: (N - s) / (N - W)
        assertEquals(0.0, lin.lr(110), TOL);
        LrSchedule linFloor = new LrSchedule("linear", PEAK, 0, 100, 0.2);
        assertEquals(PEAK * (0.2 + 0.8 * 0.5), linFloor.lr(50), TOL);
        LrSchedule c = new LrSchedule("constant", PEAK, 4, 100, 0.5);
        assertEquals(PEAK * 2 / 4, c.lr(2), TOL);
        assertEquals(PEAK, c.lr(4), TOL);
        assertEquals(PEAK, c.lr(99), TOL);
    }

    @Test
    void warmupRatioRoundsUpLikeHf() {
        TrainingConfig cfg = new TrainingConfig(null, null, null, null, 1e-3, "linear", 0, 0.03, null, null, null,
                null, null, null, null, null, null, null, null);
        LrSchedule s = LrSchedule.of(cfg, 110);
        assertEquals(4, s.warmupSteps()); // ceil(3.3)
        assertEquals(1e-3 * 2 / 4, s.lr(2), TOL);
        assertThrows(LongtuneException.class, () -> new LrSchedule("exp", PEAK, 0, 10, 0));
    }
}
