package dev.longtune.training.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GradientClippingTest {

    @Test
    void globalNormAndScalingLikeTorch() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            NDArray a = m.create(new float[] {3, 4}, new Shape(2));
            NDArray b = m.create(new float[] {0, 12, 0, 0}, new Shape(2, 2));
            List<NDArray> grads = Arrays.asList(a, null, b); // null: a parameter without gradient is skipped
            double norm = GradientClipping.clip(grads, 1.0);
            assertEquals(13.0, norm, 1e-6); // sqrt(9 + 16 + 144)
            float c = (float) (1.0 / (13.0 + 1e-6));
            assertArrayEquals(new float[] {3 * c, 4 * c}, a.toFloatArray(), 1e-7f);
            assertArrayEquals(new float[] {0, 12 * c, 0, 0}, b.toFloatArray(), 1e-7f);
            assertEquals(1.0, GradientClipping.globalNorm(grads), 1e-6);
            // Below the threshold nothing changes.
            assertEquals(1.0, GradientClipping.clip(grads, 5.0), 1e-6);
            assertArrayEquals(new float[] {3 * c, 4 * c}, a.toFloatArray(), 0f);
        }
    }

    @Test
    void gradientHandlesMoveToTheStepAndZeroInPlace() {
        try (NDManager model = NDManager.newBaseManager(Device.cpu());
                NDManager run = NDManager.newBaseManager(Device.cpu())) {
            NDArray w = model.create(new float[] {1, 2, 3}, new Shape(3));
            w.setRequiresGradient(true);
            Map<String, NDArray> params = new LinkedHashMap<>();
            params.put("w", w);
            int before = model.getManagedArrays().size();
            for (int k = 0; k < 2; k++) { // two backward passes accumulate
                try (NDManager step = run.newSubManager();
                        GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    NDArray x = step.create(new float[] {1, 10, 100}, new Shape(3));
                    gc.backward(x.mul(w).sum());
                }
            }
            try (NDManager step = run.newSubManager()) {
                List<NDArray> grads = Gradients.take(params, step);
                assertNotNull(grads.get(0));
                assertSame(step, grads.get(0).getManager());
                assertArrayEquals(new float[] {2, 20, 200}, grads.get(0).toFloatArray(), 0f);
                Gradients.zero(grads);
            }
            try (NDManager step = run.newSubManager()) {
                assertArrayEquals(new float[] {0, 0, 0}, Gradients.take(params, step).get(0).toFloatArray(), 0f);
            }
            assertEquals(before, model.getManagedArrays().size(), "no handle left on the parameter's manager");
        }
    }
}
