package dev.longtune.context;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Compares float32 results with numbers computed by numpy/torch in fp32. Their fp32 {@code pow} is not correctly
 * rounded (numpy's {@code 85498.797f ** 0.25f} is 17.099758, one ulp below the correctly rounded 17.09976), while
 * Java rounds {@code Math.pow} once; after the reciprocal that ulp becomes up to two of the result (the spec's
 * 0.05848036 against Java's 0.058480352). So results built on an fp32 power agree to two ulps, not bit for bit.
 */
public final class Ulps {

    private Ulps() {}

    /** Each element within two ulps of the expected value (relative error below 2.4e-7). */
    public static void assertWithinTwoUlps(float[] expected, float[] actual, String message) {
        assertEquals(expected.length, actual.length, message + ": length");
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 2 * Math.ulp(expected[i]), message + ": element " + i);
        }
    }
}
