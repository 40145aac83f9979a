package dev.longtune.training.loop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Why {@link TrainingLoop#forwardBackward} divides by a torch-owned scalar tensor. In DJL 0.36, {@code a.mul(2.5f)}
 * or {@code a.div(n)} turns the number into a tensor that aliases a Java direct buffer and closes it right after the
 * op, while autograd keeps that tensor for the backward pass; when the GC frees the buffer before {@code backward},
 * the gradient is computed from garbage (measured: 2.5 came back as -1.5e34, 4.6e-41, 2.6e34 ...). A scalar made
 * with {@code manager.full} lives in torch's memory and stays correct under the same GC pressure.
 */
class ScalarOperandTest {

    @Test
    void torchOwnedScalarSurvivesGcBetweenForwardAndBackward() {
        try (NDManager root = NDManager.newBaseManager(Device.cpu())) {
            NDArray w = root.create(new float[] {1, 2, 3}, new Shape(3));
            w.setRequiresGradient(true);
            for (int trial = 0; trial < 3; trial++) {
                try (NDManager step = root.newSubManager();
                        GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    NDArray x = step.create(new float[] {1, 1, 1}, new Shape(3));
                    NDArray loss = x.mul(w).mul(step.full(new Shape(), 2.5f, DataType.FLOAT32)).sum();
                    churnDirectMemory();
                    gc.backward(loss);
                }
                try (NDArray g = w.getGradient()) {
                    assertArrayEquals(new float[] {2.5f, 2.5f, 2.5f}, g.toFloatArray(), 0f, "trial " + trial);
                    g.subi(g);
                }
            }
        }
    }

    /** Collects garbage and reuses freed direct memory, as a busy training step would. */
    private static void churnDirectMemory() {
        for (int k = 0; k < 3; k++) {
            System.gc();
            List<ByteBuffer> junk = new ArrayList<>();
            for (int j = 0; j < 2000; j++) {
                ByteBuffer b = ByteBuffer.allocateDirect(4);
                b.putFloat(0, Float.POSITIVE_INFINITY);
                junk.add(b);
            }
            junk.clear();
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
