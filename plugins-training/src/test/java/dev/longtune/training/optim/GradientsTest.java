package dev.longtune.training.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Zeroing really zeroes: an overflowed (inf) fp16 gradient must not turn into a NaN that stays in {@code .grad}. */
class GradientsTest {

    @Test
    void zeroClearsInfiniteAndNanGradientsOfFloat32AndFloat16Parameters() {
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> params = new LinkedHashMap<>();
            params.put("w16", m.create(new float[] {60000f, 1f, 0f}).toType(DataType.FLOAT16, false));
            params.put("w32", m.create(new float[] {0f, 2f}));
            params.values().forEach(p -> p.setRequiresGradient(true));
            try (NDManager step = m.newSubManager()) {
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    NDArray w16 = params.get("w16");
                    NDArray w32 = params.get("w32");
                    // d/dw of w² is 2w: 120000 overflows float16 (max 65504) to inf; log(0)' = inf, 0·inf = NaN
                    NDArray l16 = w16.square().sum();
                    NDArray l32 = w32.log().mul(w32.sub(w32)).sum();
                    gc.backward(l32.add(l16)); // 0-d fp32 + 0-d fp16 promotes to fp32
                }
                List<NDArray> grads = Gradients.take(params, step);
                float[] g16 = grads.get(0).toType(DataType.FLOAT32, true).toFloatArray();
                float[] g32 = grads.get(1).toFloatArray();
                org.junit.jupiter.api.Assertions.assertTrue(Float.isInfinite(g16[0]) && Float.isNaN(g32[0]),
                        "the setting: inf and NaN gradients, was " + g16[0] + ", " + g32[0]);
                Gradients.zero(grads);
            }
            try (NDManager after = m.newSubManager()) {
                List<NDArray> again = Gradients.take(params, after); // fresh handles onto .grad
                assertArrayEquals(new float[] {0f, 0f, 0f}, again.get(0).toType(DataType.FLOAT32, true)
                        .toFloatArray());
                assertArrayEquals(new float[] {0f, 0f}, again.get(1).toFloatArray());
            }
        }
    }
}
