package dev.longtune.training.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The NDArray-backed NF4 weight: torch-side dequantization equals the Java reference bit for bit, with and without
 * double quantization and with a partial last block; storage sizes; nothing leaks into the caller's manager.
 */
class Nf4TensorTest {

    @Test
    void dequantizeMatchesJavaReferenceExactly() {
        Random r = new Random(4);
        float[] w = gaussian(r, 96 * 67); // 6432 values: 100.5 blocks of 64, i.e. a partial last block of 32
        Shape shape = new Shape(96, 67);
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            Nf4.Quantized q = Nf4.quantize(w, 64);
            float[] expected = Nf4.dequantize(q.packed(), q.absmax(), 64, w.length);
            try (Nf4Tensor t = Nf4Tensor.quantize(w, shape, m, 64, false)) {
                NDArray d = t.dequantize(m);
                assertEquals(shape, d.getShape());
                assertEquals(DataType.FLOAT32, d.getDataType());
                assertArrayEquals(expected, d.toFloatArray(), 0f);
                assertArrayEquals(q.packed(), t.packedCodes());
                assertArrayEquals(q.absmax(), t.absmax(m).toFloatArray(), 0f);
            }
            float[] absmaxDq = Nf4.dequantizeAbsmax(Nf4.doubleQuantize(q.absmax()));
            float[] expectedDq = Nf4.dequantize(q.packed(), absmaxDq, 64, w.length);
            try (Nf4Tensor t = Nf4Tensor.quantize(m.create(w, shape), m, 64, true)) {
                assertTrue(t.doubleQuantized());
                assertArrayEquals(absmaxDq, t.absmax(m).toFloatArray(), 0f);
                assertArrayEquals(expectedDq, t.dequantize(m).toFloatArray(), 0f);
            }
        }
    }

    @Test
    void oddLengthAndSingleBlock() {
        float[] w = {0.5f, -1f, 0.25f, 0f, 0.04f, 0.9f, -0.3f, 2f, 0.1f};
        try (NDManager m = NDManager.newBaseManager(Device.cpu());
                Nf4Tensor t = Nf4Tensor.quantize(w, new Shape(9), m, 32, false)) {
            byte[] p = t.packedCodes();
            assertEquals(5, p.length);
            assertArrayEquals(new byte[] {(byte) 0xa2, (byte) 0x97, (byte) 0x7c, (byte) 0x5f}, java.util.Arrays
                    .copyOf(p, 4));
            float[] code = Nf4.codeBook();
            float[] d = t.dequantize(m).toFloatArray();
            assertEquals(9, d.length);
            assertEquals(code[10] * 2f, d[0], 0f);
            assertEquals(2f, d[7], 0f);
        }
    }

    @Test
    void storageIsHalfAByteper4BitCodePlusScales() {
        int n = 4096 * 64; // a 4096 x 64 weight = 262,144 values = 4096 blocks of 64
        float[] w = gaussian(new Random(5), n);
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            try (Nf4Tensor single = Nf4Tensor.quantize(w, new Shape(4096, 64), m, 64, false);
                    Nf4Tensor dbl = Nf4Tensor.quantize(w, new Shape(4096, 64), m, 64, true)) {
                assertEquals(n / 2, single.packedBytes());
                // 131,072 code bytes + 4096 float32 scales = 147,456 bytes: 4.5 bits per parameter
                assertEquals(n / 2 + 4L * 4096, single.storageBytes());
                assertEquals(4.5, 8.0 * single.storageBytes() / n, 1e-12);
                // 131,072 + 4096 one-byte codes + 16 float32 second-level scales + a float32 offset = 135,236 bytes:
                // 4.127 bits per parameter, against 32 for float32 (7.75x smaller)
                assertEquals(n / 2 + 4096 + 4L * 16 + 4, dbl.storageBytes());
                assertEquals(4.127, 8.0 * dbl.storageBytes() / n, 1e-3);
            }
        }
    }

    @Test
    void dequantizeLeavesNothingBehind() {
        float[] w = gaussian(new Random(6), 1000);
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            try (Nf4Tensor t = Nf4Tensor.quantize(w, new Shape(1000), m, 64, true);
                    NDManager step = m.newSubManager()) {
                int before = m.getManagedArrays().size();
                for (int i = 0; i < 3; i++) {
                    try (NDManager inner = step.newSubManager()) {
                        t.dequantize(inner);
                    }
                }
                assertEquals(0, step.getManagedArrays().size(), "scratch arrays were freed");
                assertEquals(before, m.getManagedArrays().size(), "nothing attached to the parent manager");
                // the stored arrays are back home and still usable
                assertEquals(1000, t.dequantize(step).size());
            }
        }
    }

    private static float[] gaussian(Random r, int n) {
        float[] w = new float[n];
        for (int i = 0; i < n; i++) {
            w[i] = (float) (0.02 * r.nextGaussian());
        }
        return w;
    }
}
