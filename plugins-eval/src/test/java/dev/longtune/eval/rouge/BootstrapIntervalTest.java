package dev.longtune.eval.rouge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class BootstrapIntervalTest {

    @Test
    void percentileIsNumpysLinearInterpolation() {
        // numpy.percentile docs: a = [[10, 7, 4], [3, 2, 1]]; np.percentile(a, 50) -> 3.5.
        double[] sorted = {1, 2, 3, 4, 7, 10};
        assertEquals(3.5, BootstrapInterval.percentile(sorted, 50), 0);
        // Rank q/100 * (n - 1): 2.5% of 5 = 0.125 -> 1 + 0.125 * (2 - 1); 97.5% -> 4.875 -> 7 + 0.875 * 3.
        assertEquals(1.125, BootstrapInterval.percentile(sorted, 2.5), 1e-12);
        assertEquals(9.625, BootstrapInterval.percentile(sorted, 97.5), 1e-12);
        assertEquals(1.0, BootstrapInterval.percentile(sorted, 0), 0);
        assertEquals(10.0, BootstrapInterval.percentile(sorted, 100), 0);
    }

    @Test
    void constantScoresHaveAPointIntervalAndASeedReproducesIt() {
        BootstrapInterval c = BootstrapInterval.of(new double[] {0.4, 0.4, 0.4}, 500, 0.95, 7);
        assertEquals(0.4, c.low(), 1e-15);
        assertEquals(0.4, c.high(), 1e-15);
        double[] scores = {0.0, 0.25, 0.5, 0.75, 1.0, 0.1, 0.9, 0.3};
        assertEquals(BootstrapInterval.of(scores, 1000, 0.95, 3), BootstrapInterval.of(scores, 1000, 0.95, 3));
        BootstrapInterval ci = BootstrapInterval.of(scores, 1000, 0.95, 3);
        double mean = 0.475;
        // The mean's 95% interval brackets the mean and is about ±1.96 standard errors wide (sd 0.35 / sqrt 8 ~ 0.12).
        assertTrue(ci.low() < mean && mean < ci.high(), ci.toString());
        assertTrue(ci.high() - ci.low() > 0.3 && ci.high() - ci.low() < 0.65, ci.toString());
    }
}
