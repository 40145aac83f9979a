package dev.longtune.training.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The GradScaler algorithm, trajectories written by hand. */
class DynamicLossScalerTest {

    @Test
    void torchDefaults() {
        DynamicLossScaler s = new DynamicLossScaler();
        assertEquals(65536.0, s.scale());
        for (int i = 0; i < 1999; i++) {
            assertTrue(s.update(true));
        }
        assertEquals(65536.0, s.scale(), "no growth before 2000 finite steps");
        s.update(true);
        assertEquals(131072.0, s.scale(), "x2 at the 2000th finite step");
        assertFalse(s.update(false));
        assertEquals(65536.0, s.scale(), "x0.5 on overflow");
        assertEquals(1, s.skipped());
    }

    /** growth interval 3: F F F (grow) F I (back off, reset) F F I I F F F (grow). */
    @Test
    void handWrittenTrajectory() {
        DynamicLossScaler s = new DynamicLossScaler(8.0, 2.0, 0.5, 3);
        boolean[] finite = {true, true, true, true, false, true, true, false, false, true, true, true};
        double[] expectedScale = {8, 8, 16, 16, 8, 8, 8, 4, 2, 2, 2, 4};
        boolean[] stepTaken = {true, true, true, true, false, true, true, false, false, true, true, true};
        double[] scales = new double[finite.length];
        boolean[] taken = new boolean[finite.length];
        for (int i = 0; i < finite.length; i++) {
            taken[i] = s.update(finite[i]);
            scales[i] = s.scale();
        }
        assertArrayEquals(expectedScale, scales, 0.0);
        assertArrayEquals(stepTaken, taken);
        assertEquals(3, s.skipped());
    }

    /** A checkpointed scaler continues exactly: the same trajectory as one that never stopped. */
    @Test
    void stateRoundTripContinuesTheTrajectory() {
        DynamicLossScaler a = new DynamicLossScaler(8.0, 2.0, 0.5, 3);
        boolean[] finite = {true, true, false, true, true, true, true, true, false, true};
        for (int i = 0; i < 5; i++) {
            a.update(finite[i]);
        }
        DynamicLossScaler.State saved = a.state();
        assertEquals(new DynamicLossScaler.State(4.0, 2, 1), saved, "8 -> F F (tracker 2) I (4, reset) F F");
        DynamicLossScaler b = new DynamicLossScaler(8.0, 2.0, 0.5, 3);
        b.restore(saved);
        for (int i = 5; i < finite.length; i++) {
            assertEquals(a.update(finite[i]), b.update(finite[i]));
            assertEquals(a.scale(), b.scale());
        }
        assertEquals(a.state(), b.state());
        assertEquals(new DynamicLossScaler.State(4.0, 1, 2), b.state(), "F (3rd: x2 = 8) F F I (4, reset) F");
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> b.restore(new DynamicLossScaler.State(4.0, 3, 0)), "tracker must be below the interval");
    }

    @Test
    void unscalesFiniteGradientsAndDetectsInfAndNan() {
        try (NDManager m = NDManager.newBaseManager()) {
            DynamicLossScaler s = new DynamicLossScaler(4.0, 2.0, 0.5, 10);
            NDArray a = m.create(new float[] {4f, -8f});
            NDArray b = m.create(new float[] {2f});
            assertTrue(s.unscale(List.of(a, b)));
            assertArrayEquals(new float[] {1f, -2f}, a.toFloatArray());
            assertArrayEquals(new float[] {0.5f}, b.toFloatArray());
            NDArray inf = m.create(new float[] {1f, Float.POSITIVE_INFINITY});
            NDArray keep = m.create(new float[] {4f});
            assertFalse(s.unscale(List.of(keep, inf)));
            assertArrayEquals(new float[] {4f}, keep.toFloatArray(), "left alone when the step is skipped");
            assertFalse(s.unscale(List.of(m.create(new float[] {Float.NaN}))));
        }
    }

    /**
     * fp16 backward on CPU through DJL (PyTorch 2.7 runs it): a float16 parameter whose gradient (1e-4 * 1e-4 =
     * 1e-8) is below fp16's smallest subnormal (6e-8). Unscaled, the fp16 backward flushes it to 0; with the loss scaled by 2^10 it
     * survives, and unscaling it in float32 gives the true value. A scale that overflows fp16 (max 65504) gives an
     * inf gradient, which the scaler detects (skip the step, halve the scale). The scale is 2^10 here, not 2^16,
     * because this test keeps the scaled loss itself in fp16 (2^16 is not representable there); in training the
     * loss is float32 and the trainables float32 (AdamW refuses fp16 parameters).
     */
    @Test
    void fp16BackwardOnCpuUnderflowsWithoutScalingAndOverflowIsDetected() {
        float a = 1e-4f; // representable in fp16; d/dw = a * a = 1e-8 is not
        float tiny = a * a;
        assertEquals(0f, gradOfW(1.0, a), "no scaling: the fp16 gradient underflows to zero");
        DynamicLossScaler s = new DynamicLossScaler(1024.0, 2.0, 0.5, 2000);
        float g = gradOfW(s.scale(), a);
        assertTrue(g > 0, "scaled: " + g);
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray grad = m.create(new float[] {g}); // the float32 gradient, as the trainables have
            assertTrue(s.unscale(List.of(grad)));
            assertEquals(tiny, grad.getFloat(), 0.1 * tiny, "unscaled gradient ~ d/dw");
        }
        float overflow = gradOfW(60000.0, 2f);
        assertTrue(Float.isInfinite(overflow), "fp16 overflow: " + overflow);
        try (NDManager m = NDManager.newBaseManager()) {
            assertFalse(s.update(s.unscale(List.of(m.create(new float[] {overflow})))));
            assertEquals(512.0, s.scale());
        }
    }

    /** d(scale * sum(w * a * a))/dw[0] for a float16 w = [1, 1], all in fp16 (backward: scale * a, then * a). */
    private static float gradOfW(double scale, float a) {
        DataType h = DataType.FLOAT16;
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray w = m.create(new float[] {1f, 1f}).toType(h, false);
            w.setRequiresGradient(true);
            NDArray c = m.create(new float[] {a, a}).toType(h, false);
            NDArray factor = m.create((float) scale).toType(h, false);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                gc.backward(w.mul(c).mul(c).sum().mul(factor));
            }
            return w.getGradient().toType(DataType.FLOAT32, false).getFloat(0);
        }
    }
}
