package dev.longtune.models.llama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

/**
 * {@link LlamaOps#cast} keeps the autograd graph, which DJL's {@code toType} does not (the reason it exists: a
 * float16 model casts to float32 for RMSNorm, softmax and the logits, and with {@code toType} nothing before the
 * cast would get a gradient). d/dx sum(cast(x)²) = 2x, worked by hand.
 */
class DifferentiableCastTest {

    @Test
    void castIsExactAndPassesTheGradientBothWays() {
        for (DataType[] fromTo : new DataType[][] {{DataType.FLOAT16, DataType.FLOAT32},
                {DataType.FLOAT32, DataType.FLOAT16}}) {
            try (NDManager m = NDManager.newBaseManager()) {
                NDArray x = m.create(new float[] {0.5f, -1.5f, 0f, 2f}).toType(fromTo[0], false);
                x.setRequiresGradient(true);
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    NDArray y = LlamaOps.cast(x, fromTo[1]);
                    assertEquals(fromTo[1], y.getDataType());
                    assertArrayEquals(new float[] {0.5f, -1.5f, 0f, 2f}, y.toType(DataType.FLOAT32, true)
                            .toFloatArray());
                    gc.backward(y.square().sum());
                }
                assertArrayEquals(new float[] {1f, -3f, 0f, 4f}, x.getGradient().toType(DataType.FLOAT32, true)
                        .toFloatArray(), fromTo[0] + " -> " + fromTo[1]);
            }
        }
    }

    /** The DJL behaviour this works around; if DJL fixes toType, this test says so and cast can go. */
    @Test
    void djlToTypeCutsTheGraph() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.create(new float[] {1f, 2f}).toType(DataType.FLOAT16, false);
            x.setRequiresGradient(true);
            assertThrows(RuntimeException.class, () -> {
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    gc.backward(x.toType(DataType.FLOAT32, false).square().sum());
                }
            });
        }
    }
}
