package dev.longtune.models.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.longtune.api.LongtuneException;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The in-place reader: tensors larger than one direct view are filled slice by slice (forced here with a 64-byte
 * slice so a tensor of a few hundred bytes takes the path a > 1 GB one takes), every dtype conversion is exact, the
 * arrays are ordinary writable libtorch arrays, and a file that shrinks after open fails cleanly.
 */
class SafetensorsReaderChunkTest {

    private static NDManager manager;

    @BeforeAll
    static void start() {
        manager = NDManager.newBaseManager(Device.cpu());
    }

    @AfterAll
    static void stop() {
        manager.close();
    }

    @AfterEach
    void restore() {
        SafetensorsReader.chunkBytes = 1L << 30;
    }

    /** F32 a[7,13], F16 h[7,13], BF16 b[7,13] (random values, exactly representable in each type), scalar s. */
    private static Path write(Path dir, float[] values) throws Exception {
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        ByteBuffer f32 = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer f16 = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer bf16 = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            f32.putFloat(v);
            f16.putShort(Half.fromFloat(v));
            bf16.putShort((short) (Float.floatToRawIntBits(v) >>> 16));
        }
        data.write(f32.array());
        data.write(f16.array());
        data.write(bf16.array());
        data.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(-7.5f).array());
        int n = values.length;
        String header = "{\"a\":{\"dtype\":\"F32\",\"shape\":[7,13],\"data_offsets\":[0," + 4 * n + "]},"
                + "\"h\":{\"dtype\":\"F16\",\"shape\":[7,13],\"data_offsets\":[" + 4 * n + "," + 6 * n + "]},"
                + "\"b\":{\"dtype\":\"BF16\",\"shape\":[7,13],\"data_offsets\":[" + 6 * n + "," + 8 * n + "]},"
                + "\"s\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[" + 8 * n + "," + (8 * n + 4) + "]}}";
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        byte[] d = data.toByteArray();
        ByteBuffer file = ByteBuffer.allocate(8 + h.length + d.length).order(ByteOrder.LITTLE_ENDIAN);
        file.putLong(h.length).put(h).put(d);
        Path f = dir.resolve("chunks.safetensors");
        Files.write(f, file.array());
        return f;
    }

    private static float[] values() {
        Random r = new Random(3);
        float[] v = new float[91];
        for (int i = 0; i < v.length; i++) {
            // Exactly representable in F16 and BF16 (8 significant bits, modest exponent).
            v[i] = (r.nextInt(511) - 255) * (float) Math.pow(2, r.nextInt(9) - 6);
        }
        return v;
    }

    @Test
    void slicedReadsEqualWholeReadsForEveryConversion(@TempDir Path tmp) throws Exception {
        float[] v = values();
        Path f = write(tmp, v);
        for (long chunk : new long[] {1L << 30, 64, 6}) {
            SafetensorsReader.chunkBytes = chunk;
            try (SafetensorsReader r = SafetensorsReader.open(f); NDManager m = manager.newSubManager()) {
                for (String name : new String[] {"a", "h", "b"}) {
                    NDArray a = r.read(name, m, DataType.FLOAT32);
                    assertEquals(new Shape(7, 13), a.getShape());
                    assertArrayEquals(v, a.toFloatArray(), 0f, name + " as F32, slices of " + chunk + " bytes");
                    assertArrayEquals(v, r.readFloats(name), 0f);
                    NDArray h = r.read(name, m, DataType.FLOAT16);
                    assertEquals(DataType.FLOAT16, h.getDataType());
                    assertArrayEquals(v, h.toType(DataType.FLOAT32, false).toFloatArray(), 0f,
                            name + " as F16, slices of " + chunk + " bytes");
                }
                NDArray s = r.read("s", m, DataType.FLOAT32);
                assertEquals(new Shape(), s.getShape());
                assertEquals(-7.5f, s.getFloat(), 0f);
            }
        }
    }

    @Test
    void narrowingToF16RoundsLikeTorch(@TempDir Path tmp) throws Exception {
        Random r = new Random(5);
        float[] v = new float[91];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (r.nextGaussian() * Math.pow(10, r.nextInt(9) - 5));
        }
        Path f = write(tmp, v);
        SafetensorsReader.chunkBytes = 64;
        try (SafetensorsReader rd = SafetensorsReader.open(f); NDManager m = manager.newSubManager()) {
            NDArray ours = rd.read("a", m, DataType.FLOAT16);
            NDArray torch = m.create(v, new Shape(7, 13)).toType(DataType.FLOAT16, false);
            assertArrayEquals(torch.toType(DataType.FLOAT32, false).toFloatArray(),
                    ours.toType(DataType.FLOAT32, false).toFloatArray(), 0f);
        }
    }

    @Test
    void arraysAreWritableAndOutliveTheReader(@TempDir Path tmp) throws Exception {
        float[] v = values();
        Path f = write(tmp, v);
        try (NDManager m = manager.newSubManager()) {
            NDArray a;
            NDArray b;
            try (SafetensorsReader r = SafetensorsReader.open(f)) {
                a = r.read("a", m, DataType.FLOAT32);
                b = r.read("b", m, DataType.FLOAT32);
            }
            Files.write(f, new byte[] {0}); // the file's contents are gone; the arrays must not care
            System.gc();
            a.addi(1f);
            b.muli(2f);
            float[] ga = a.toFloatArray();
            float[] gb = b.toFloatArray();
            for (int i = 0; i < v.length; i++) {
                assertEquals(v[i] + 1f, ga[i], 0f);
                assertEquals(v[i] * 2f, gb[i], 0f);
            }
        }
    }

    @Test
    void fileThatShrinksAfterOpenIsAClearError(@TempDir Path tmp) throws Exception {
        Path f = write(tmp, values());
        try (SafetensorsReader r = SafetensorsReader.open(f); NDManager m = manager.newSubManager()) {
            try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
                ch.truncate(ch.size() - 100);
            }
            LongtuneException e = assertThrows(LongtuneException.class, () -> r.read("b", m, DataType.FLOAT32));
            assertTrue(e.getMessage().contains("chunks.safetensors") && e.getMessage().contains("shrank"),
                    e.getMessage());
            assertEquals(0, r.read("a", m, DataType.FLOAT32).toFloatArray().length - 91);
        }
    }
}
