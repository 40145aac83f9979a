package dev.longtune.training.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** NF4 code book, bucketing, packing, partial blocks and round-trip bounds; the dynamic map; double quantization. */
class Nf4Test {

    /** Spec D.5's midpoints, as printed (8 significant digits). */
    private static final double[] SPEC_MIDPOINTS = {-0.8480964, -0.61063293, -0.45999527, -0.33967943, -0.23460741,
        -0.13791173, -0.04552502, 0.03979015, 0.12025525, 0.20352125, 0.29201377, 0.38931254, 0.50166342,
        0.64278692, 0.86147842};

    @Test
    void specExampleBlock() {
        float[] block = {0.5f, -1f, 0.25f, 0f, 0.04f, 0.9f, -0.3f, 2f};
        // block sizes below 32 are not allowed, so pad the example into a block of 32 with zeros: absmax stays 2
        float[] x = new float[32];
        System.arraycopy(block, 0, x, 0, 8);
        Nf4.Quantized q = Nf4.quantize(x, 32);
        assertArrayEquals(new float[] {2f}, q.absmax());
        int[] idx = new int[8];
        for (int i = 0; i < 8; i++) {
            idx[i] = Nf4.unpack(q.packed(), i);
        }
        assertArrayEquals(new int[] {10, 2, 9, 7, 7, 12, 5, 15}, idx);
        assertArrayEquals(new byte[] {(byte) 0xa2, (byte) 0x97, (byte) 0x7c, (byte) 0x5f},
                java.util.Arrays.copyOf(q.packed(), 4));
        assertEquals(16, q.packed().length);
        float[] back = Nf4.dequantize(q.packed(), q.absmax(), 32, 8);
        float[] code = Nf4.codeBook();
        for (int i = 0; i < 8; i++) {
            assertEquals(code[idx[i]] * 2f, back[i], 0f);
        }
        assertEquals(2f, back[7], 0f);
    }

    @Test
    void midpointsMatchSpecAndTiesGoToTheLowerCode() {
        float[] mid = Nf4.midpoints();
        float[] code = Nf4.codeBook();
        assertEquals(15, mid.length);
        assertEquals(16, code.length);
        for (int i = 0; i < 15; i++) {
            assertEquals(SPEC_MIDPOINTS[i], mid[i], 6e-8, "midpoint " + i); // spec rounds to 8 digits
            assertEquals(i, Nf4.index(mid[i]), "exactly on midpoint " + i + " goes to the lower code");
            assertEquals(i + 1, Nf4.index(Math.nextUp(mid[i])));
            assertEquals(i, Nf4.index(code[i]));
        }
        assertEquals(15, Nf4.index(1f));
        assertEquals(0, Nf4.index(-1f));
        assertEquals(0, Nf4.index(Float.NaN));
        assertEquals(0.5 * (1 - 0.6961928009986877), Nf4.maxRoundingError(), 1e-12); // the gap from −1 to −0.696
    }

    @Test
    void partialLastBlockHasItsOwnScaleAndOddLengthPacks() {
        Random r = new Random(1);
        float[] x = new float[64 + 7]; // one full block of 64, then 7 values
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        x[64 + 3] = -0.01f;
        for (int i = 64; i < x.length; i++) {
            x[i] *= 0.01f;
        }
        Nf4.Quantized q = Nf4.quantize(x, 64);
        assertEquals(2, q.absmax().length);
        float tailMax = 0;
        for (int i = 64; i < x.length; i++) {
            tailMax = Math.max(tailMax, Math.abs(x[i]));
        }
        assertEquals(tailMax, q.absmax()[1], 0f);
        assertEquals(36, q.packed().length); // ceil(71 / 2)
        assertEquals(0, q.packed()[35] & 0x0f, "the unused low nibble of an odd tail is 0");
        float[] back = Nf4.dequantize(q.packed(), q.absmax(), 64, x.length);
        for (int i = 64; i < x.length; i++) {
            assertTrue(Math.abs(back[i] - x[i]) <= Nf4.maxRoundingError() * tailMax * (1 + 1e-6),
                    "tail element " + i + " uses the tail's scale");
        }
    }

    @Test
    void gaussianRoundTripWithinCodeBookBounds() {
        Random r = new Random(2);
        for (int blockSize : new int[] {32, 64, 256, 4096}) {
            float[] x = new float[10_000];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) (0.02 * r.nextGaussian());
            }
            Nf4.Quantized q = Nf4.quantize(x, blockSize);
            float[] back = Nf4.dequantize(q.packed(), q.absmax(), blockSize, x.length);
            double worstRatio = 0;
            for (int i = 0; i < x.length; i++) {
                float absmax = q.absmax()[i / blockSize];
                double err = Math.abs((double) back[i] - x[i]);
                // per element: at most half the widest code gap times the block's absmax
                assertTrue(err <= Nf4.maxRoundingError() * absmax * (1 + 1e-6), "element " + i + " error " + err);
                // and at most half the gap around the code actually chosen
                int idx = Nf4.unpack(q.packed(), i);
                float[] code = Nf4.codeBook();
                double gap = Math.max(idx > 0 ? code[idx] - code[idx - 1] : 0, idx < 15 ? code[idx + 1] - code[idx]
                        : 0);
                assertTrue(err <= gap / 2 * absmax * (1 + 1e-6) + 1e-12, "element " + i + " local gap bound");
                worstRatio = Math.max(worstRatio, err / absmax);
            }
            assertTrue(worstRatio > 0.05, "the bound is not vacuous: worst error/absmax " + worstRatio);
            // the block maximum itself is exact (code ±1)
            for (int b = 0; b < q.absmax().length; b++) {
                boolean found = false;
                for (int i = b * blockSize; i < Math.min(x.length, (b + 1) * blockSize); i++) {
                    found |= Math.abs(back[i]) == q.absmax()[b] && Math.abs(x[i]) == q.absmax()[b];
                }
                assertTrue(found, "block " + b + " keeps its extreme exactly");
            }
        }
    }

    @Test
    void allZeroBlockDequantizesToZero() {
        float[] x = new float[64];
        Nf4.Quantized q = Nf4.quantize(x, 32);
        assertArrayEquals(new float[64], Nf4.dequantize(q.packed(), q.absmax(), 32, 64), 0f);
        // bitsandbytes stores index 0 there (0 · (1/0) is NaN, which no threshold exceeds)
        assertEquals(0, q.packed()[0]);
    }

    @Test
    void blockSizeMustBeAPowerOfTwoFrom32To4096() {
        for (int ok : new int[] {32, 64, 128, 256, 512, 1024, 2048, 4096}) {
            Nf4.checkBlockSize(ok);
        }
        for (int bad : new int[] {0, 16, 48, 100, 8192}) {
            assertThrows(IllegalArgumentException.class, () -> Nf4.quantize(new float[4], bad));
        }
    }

    @Test
    void dynamicMapMatchesPublishedEntries() {
        float[] map = Nf4.dynamicMap();
        assertEquals(256, map.length);
        for (int i = 1; i < 256; i++) {
            assertTrue(map[i - 1] < map[i], "strictly ascending at " + i);
        }
        // entries of bitsandbytes' create_dynamic_map(signed=True) as published (float32 printed as double)
        int[] at = {0, 1, 2, 35, 63, 64, 95, 96, 112, 124, 126, 127, 128, 129, 143, 159, 190, 191, 200, 254, 255};
        double[] published = {-0.992968738079071, -0.9789062738418579, -0.96484375, -0.500781238079071, -0.10703125596046448, -0.09859374910593033, -0.011406250298023224, -0.009718749672174454, -0.0009437500848434865, -7.749999895168003e-06, -5.500000384017767e-07, 0.0, 5.500000384017767e-07, 3.250000190746505e-06, 0.001281249918974936, 0.011406250298023224, 0.09859374910593033, 0.10703125596046448, 0.23359374701976776, 0.992968738079071, 1.0};
        for (int k = 0; k < at.length; k++) {
            assertEquals((float) published[k], map[at[k]], 0f, "dynamic map entry " + at[k]);
        }
    }

    @Test
    void doubleQuantizedAbsmaxReconstructsClosely() {
        Random r = new Random(3);
        float[] x = new float[64 * 1000 + 10]; // 1001 blocks: 3 full second-level blocks and a partial one
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (0.02 * r.nextGaussian());
        }
        float[] absmax = Nf4.quantize(x, 64).absmax();
        Nf4.DoubleQuantized dq = Nf4.doubleQuantize(absmax);
        assertEquals(1001, dq.codes().length);
        assertEquals(4, dq.absmax2().length);
        double mean = 0;
        for (float a : absmax) {
            mean += a;
        }
        mean /= absmax.length;
        assertEquals(mean, dq.offset(), 1e-8);
        float[] back = Nf4.dequantizeAbsmax(dq);
        double worstRel = 0;
        for (int i = 0; i < absmax.length; i++) {
            double rel = Math.abs(back[i] - absmax[i]) / absmax[i];
            worstRel = Math.max(worstRel, rel);
            // the dynamic map's widest gap is 0.0140625 near ±1, so the error is at most ~0.7 % of the block's
            // largest |absmax − offset|
            float a2 = dq.absmax2()[i / 256];
            assertTrue(Math.abs(back[i] - absmax[i]) <= 0.0140625 / 2 * a2 * (1 + 1e-5) + 1e-7, "absmax " + i);
        }
        assertTrue(worstRel < 0.01, "worst relative absmax error " + worstRel);
    }

    @Test
    void constantAbsmaxSurvivesDoubleQuantizationExactly() {
        float[] absmax = new float[300];
        java.util.Arrays.fill(absmax, 0.125f);
        float[] back = Nf4.dequantizeAbsmax(Nf4.doubleQuantize(absmax));
        assertArrayEquals(absmax, back, 0f);
    }
}
