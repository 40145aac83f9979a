package dev.longtune.training.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.longtune.api.LongtuneException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * float32 masters for float16 weights, on real tensors. The worked numbers use float16's format: 10 fraction bits,
 * so the spacing of float16 numbers in [1, 2) is 2^-10, and 1 + 2^-12 rounds to 1 (nearest even).
 */
class MasterWeightsTest {

    @Test
    void float32TrainablesAreTheirOwnMastersFloat16OnesGetAFloat32Copy() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray f32 = m.create(new float[] {0.1f, 0.2f});
            NDArray f16 = m.create(new float[] {1f, -2.5f, 3.25f}).toType(DataType.FLOAT16, false);
            Map<String, NDArray> t = new LinkedHashMap<>();
            t.put("adapter", f32);
            t.put("weight", f16);
            try (MasterWeights mw = new MasterWeights(t, m)) {
                assertTrue(mw.mixed());
                assertSame(f32, mw.masters().get("adapter"), "no copy of a float32 trainable");
                NDArray master = mw.masters().get("weight");
                assertNotSame(f16, master);
                assertEquals(DataType.FLOAT32, master.getDataType());
                assertArrayEquals(new float[] {1f, -2.5f, 3.25f}, master.toFloatArray());
                assertEquals(List.of("adapter", "weight"), List.copyOf(mw.masters().keySet()), "optimiser order");
            }
            try (MasterWeights mw = new MasterWeights(Map.of("adapter", f32), m)) {
                assertFalse(mw.mixed(), "a float32 model: nothing to do");
            }
        }
    }

    @Test
    void smallUpdatesAccumulateInTheMasterAndReachTheModelOnceTheyAddUpToAFloat16Step() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray w = m.create(new float[] {1f}).toType(DataType.FLOAT16, false);
            try (MasterWeights mw = new MasterWeights(Map.of("w", w), m)) {
                NDArray master = mw.masters().get("w");
                float[] seen = new float[4];
                for (int i = 0; i < 4; i++) {
                    master.addi(m.create(0x1p-12f)); // what AdamW does to the master: a quarter of a float16 ulp
                    mw.copyToModel();
                    seen[i] = w.toType(DataType.FLOAT32, true).toFloatArray()[0];
                }
                // masters 1+2^-12, 1+2^-11, 1+3·2^-12, 1+2^-10 → nearest float16 (ties to even):
                // 1, 1, 1+2^-10, 1+2^-10
                assertArrayEquals(new float[] {1f, 1f, 1f + 0x1p-10f, 1f + 0x1p-10f}, seen);
                assertEquals(1f + 0x1p-10f, master.toFloatArray()[0], "the master holds the exact sum");
                assertEquals(DataType.FLOAT16, w.getDataType());
            }
            // Updating the float16 weight directly loses them all: 1 + 2^-12 == 1 in float16.
            NDArray direct = m.create(new float[] {1f}).toType(DataType.FLOAT16, false);
            for (int i = 0; i < 4; i++) {
                direct.addi(m.create(0x1p-12f).toType(DataType.FLOAT16, false));
            }
            assertEquals(1f, direct.toType(DataType.FLOAT32, true).toFloatArray()[0]);
        }
    }

    @Test
    void gradientsOfFloat16WeightsAreWidenedExactlyIntoTheStep() {
        try (NDManager m = NDManager.newBaseManager(); NDManager step = m.newSubManager()) {
            NDArray f32 = m.create(new float[] {0f});
            NDArray f16 = m.create(new float[] {0f, 0f}).toType(DataType.FLOAT16, false);
            Map<String, NDArray> t = new LinkedHashMap<>();
            t.put("a", f32);
            t.put("b", f16);
            t.put("c", m.create(new float[] {0f}).toType(DataType.FLOAT16, false));
            try (MasterWeights mw = new MasterWeights(t, m)) {
                NDArray g32 = m.create(new float[] {0.3f});
                NDArray g16 = m.create(new float[] {65504f, 0x1p-24f}).toType(DataType.FLOAT16, false);
                List<NDArray> grads = new ArrayList<>();
                grads.add(g32);
                grads.add(g16);
                grads.add(null);
                List<NDArray> wide = mw.float32(grads, step);
                assertSame(g32, wide.get(0));
                assertEquals(DataType.FLOAT32, wide.get(1).getDataType());
                assertSame(step, wide.get(1).getManager(), "freed with the step");
                // float16's largest finite and smallest subnormal survive unchanged
                assertArrayEquals(new float[] {65504f, 0x1p-24f}, wide.get(1).toFloatArray());
                assertNull(wide.get(2));
            }
        }
    }

    @Test
    void otherDtypesAreRefused() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray ints = m.create(new int[] {1, 2});
            LongtuneException e = assertThrows(LongtuneException.class,
                    () -> new MasterWeights(Map.of("ids", ints), m));
            assertTrue(e.getMessage().contains("ids") && e.getMessage().contains("float32 or float16"),
                    e.getMessage());
        }
    }
}
