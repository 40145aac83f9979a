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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reader against files whose bytes the test writes by hand; writer round trip; corrupt files fail cleanly. */
class SafetensorsTest {

    private static NDManager manager;

    @BeforeAll
    static void start() {
        manager = NDManager.newBaseManager(Device.cpu());
    }

    @AfterAll
    static void stop() {
        manager.close();
    }

    /** A safetensors file assembled byte by byte: 8-byte LE length, JSON header, raw data. */
    private static byte[] file(String header, byte[] data) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h).put(data);
        return b.array();
    }

    private static byte[] le(short... v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (short s : v) {
            b.putShort(s);
        }
        return b.array();
    }

    @Test
    void readsHandWrittenF32F16Bf16Exactly(@TempDir Path tmp) throws Exception {
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        ByteBuffer f32 = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        f32.putFloat(1.5f).putFloat(-2.25f).putFloat(3.0e-8f).putFloat(65504f);
        data.write(f32.array());
        // F16 bit patterns: 1.0 = 0x3C00, -2.0 = 0xC000, 0.5 = 0x3800, 65504 = 0x7BFF, smallest subnormal 0x0001.
        data.write(le((short) 0x3C00, (short) 0xC000, (short) 0x3800, (short) 0x7BFF, (short) 0x0001,
                (short) 0x0000));
        // BF16 bit patterns: 1.0 = 0x3F80, -3.5 = 0xC060, pi ~ 0x4049 (3.140625), 1e-3 ~ 0x3A83.
        data.write(le((short) 0x3F80, (short) 0xC060, (short) 0x4049, (short) 0x3A83));
        String header = "{\"__metadata__\":{\"format\":\"pt\"},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]},"
                + "\"h\":{\"dtype\":\"F16\",\"shape\":[2,3],\"data_offsets\":[16,28]},"
                + "\"b\":{\"dtype\":\"BF16\",\"shape\":[4],\"data_offsets\":[28,36]}}";
        Path f = tmp.resolve("hand.safetensors");
        Files.write(f, file(header, data.toByteArray()));
        try (SafetensorsReader r = SafetensorsReader.open(f); NDManager m = manager.newSubManager()) {
            assertEquals(Map.of("format", "pt"), r.metadata());
            assertEquals(Arrays.asList("a", "h", "b"), Arrays.asList(r.tensors().keySet().toArray()));
            NDArray a = r.read("a", m, DataType.FLOAT32);
            assertEquals(new Shape(2, 2), a.getShape());
            assertArrayEquals(new float[] {1.5f, -2.25f, 3.0e-8f, 65504f}, a.toFloatArray(), 0f);
            NDArray h = r.read("h", m, DataType.FLOAT32);
            assertArrayEquals(new float[] {1f, -2f, 0.5f, 65504f, 0x1p-24f, 0f}, h.toFloatArray(), 0f);
            NDArray b = r.read("b", m, DataType.FLOAT32);
            assertArrayEquals(new float[] {1f, -3.5f, 3.140625f, Float.intBitsToFloat(0x3A830000)},
                    b.toFloatArray(), 0f);
            assertArrayEquals(b.toFloatArray(), r.readFloats("b"), 0f);
            // Asked for fp16, F16 bits come through untouched and BF16 is rounded by torch.
            NDArray h16 = r.read("h", m, DataType.FLOAT16);
            assertEquals(DataType.FLOAT16, h16.getDataType());
            assertArrayEquals(new float[] {1f, -2f, 0.5f, 65504f, 0x1p-24f, 0f},
                    h16.toType(DataType.FLOAT32, false).toFloatArray(), 0f);
        }
    }

    @Test
    void halfConversionsRoundTripEveryPattern() {
        for (int bits = 0; bits < 0x10000; bits++) {
            float f = Half.toFloat((short) bits);
            if (Float.isNaN(f)) {
                continue;
            }
            assertEquals((short) bits, Half.fromFloat(f), "pattern " + Integer.toHexString(bits));
        }
        assertEquals((short) 0x3C00, Half.fromFloat(1.0004f)); // rounds to nearest
        assertEquals((short) 0x7C00, Half.fromFloat(1e6f)); // overflow to +inf
    }

    @Test
    void writerRoundTripIsBitExactAndDeterministic(@TempDir Path tmp) throws Exception {
        try (NDManager m = manager.newSubManager()) {
            Map<String, NDArray> t = new LinkedHashMap<>();
            t.put("z.last", m.randomNormal(new Shape(3, 5)));
            t.put("a.first", m.randomNormal(new Shape(7)));
            t.put("m.scalarish", m.create(new float[] {Float.MIN_VALUE, -0f, Float.MAX_VALUE}));
            Path f1 = tmp.resolve("one.safetensors");
            Path f2 = tmp.resolve("two.safetensors");
            SafetensorsWriter.write(f1, t);
            Map<String, NDArray> reversed = new LinkedHashMap<>();
            reversed.put("m.scalarish", t.get("m.scalarish"));
            reversed.put("a.first", t.get("a.first"));
            reversed.put("z.last", t.get("z.last"));
            SafetensorsWriter.write(f2, reversed);
            assertArrayEquals(Files.readAllBytes(f1), Files.readAllBytes(f2), "same tensors, same bytes");
            byte[] raw = Files.readAllBytes(f1);
            long headerLen = ByteBuffer.wrap(raw, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
            assertEquals(0, (8 + headerLen) % 8, "data section is 8-byte aligned");
            String header = new String(raw, 8, (int) headerLen, StandardCharsets.UTF_8);
            assertTrue(header.startsWith("{\"__metadata__\":{\"format\":\"pt\"}"), header);
            try (SafetensorsReader r = SafetensorsReader.open(f1)) {
                assertEquals(Arrays.asList("a.first", "m.scalarish", "z.last"),
                        Arrays.asList(r.tensors().keySet().toArray()));
                for (Map.Entry<String, NDArray> e : t.entrySet()) {
                    NDArray back = r.read(e.getKey(), m, DataType.FLOAT32);
                    assertEquals(e.getValue().getShape(), back.getShape());
                    assertArrayEquals(bits(e.getValue().toFloatArray()), bits(back.toFloatArray()));
                }
            }
            Path f16 = tmp.resolve("half.safetensors");
            SafetensorsWriter.write(f16, Map.of("x", m.create(new float[] {1f, -2f, 0.1f})), DataType.FLOAT16);
            try (SafetensorsReader r = SafetensorsReader.open(f16)) {
                assertEquals(SafetensorsDType.F16, r.info("x").dtype());
                assertArrayEquals(new float[] {1f, -2f, Half.toFloat(Half.fromFloat(0.1f))}, r.readFloats("x"),
                        0f);
            }
        }
    }

    private static int[] bits(float[] f) {
        int[] b = new int[f.length];
        for (int i = 0; i < f.length; i++) {
            b[i] = Float.floatToRawIntBits(f[i]);
        }
        return b;
    }

    @Test
    void truncatedFileIsAClearError(@TempDir Path tmp) throws Exception {
        byte[] good = file("{\"w\":{\"dtype\":\"F32\",\"shape\":[4,4],\"data_offsets\":[0,64]}}", new byte[64]);
        Path f = tmp.resolve("cut.safetensors");
        Files.write(f, Arrays.copyOf(good, good.length - 10));
        LongtuneException e = assertThrows(LongtuneException.class, () -> SafetensorsReader.open(f).close());
        assertTrue(e.getMessage().contains("cut.safetensors") && e.getMessage().contains("'w'")
                && e.getMessage().contains("truncated"), e.getMessage());
        Path tiny = tmp.resolve("tiny.safetensors");
        Files.write(tiny, new byte[] {1, 2, 3});
        assertTrue(assertThrows(LongtuneException.class, () -> SafetensorsReader.open(tiny).close())
                .getMessage().contains("tiny.safetensors"));
    }

    @Test
    void bogusHeaderLengthIsAClearError(@TempDir Path tmp) throws Exception {
        byte[] bytes = file("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[4]);
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 0x7fff_ffff_ffffL);
        Path f = tmp.resolve("len.safetensors");
        Files.write(f, bytes);
        LongtuneException e = assertThrows(LongtuneException.class, () -> SafetensorsReader.open(f).close());
        assertTrue(e.getMessage().contains("len.safetensors") && e.getMessage().contains("header length"),
                e.getMessage());
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(0, -5L);
        Files.write(f, bytes);
        assertThrows(LongtuneException.class, () -> SafetensorsReader.open(f).close());
        Path junk = tmp.resolve("junk.safetensors");
        Files.write(junk, file("{not json", new byte[0]));
        assertTrue(assertThrows(LongtuneException.class, () -> SafetensorsReader.open(junk).close())
                .getMessage().contains("not valid JSON"));
    }

    @Test
    void outOfRangeOffsetWrongSizeAndUnknownDtypeAreClearErrors(@TempDir Path tmp) throws Exception {
        Path f = tmp.resolve("off.safetensors");
        Files.write(f, file("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[1000,1008]}}", new byte[8]));
        LongtuneException e = assertThrows(LongtuneException.class, () -> SafetensorsReader.open(f).close());
        assertTrue(e.getMessage().contains("'w'") && e.getMessage().contains("outside"), e.getMessage());

        Files.write(f, file("{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", new byte[8]));
        e = assertThrows(LongtuneException.class, () -> SafetensorsReader.open(f).close());
        assertTrue(e.getMessage().contains("needs 12"), e.getMessage());

        Files.write(f, file("{\"w\":{\"dtype\":\"Q4_K\",\"shape\":[2],\"data_offsets\":[0,8]}}", new byte[8]));
        e = assertThrows(LongtuneException.class, () -> SafetensorsReader.open(f).close());
        assertTrue(e.getMessage().contains("'w'") && e.getMessage().contains("Q4_K")
                && e.getMessage().contains("off.safetensors"), e.getMessage());

        Files.write(f, file("{\"w\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}}", new byte[8]));
        try (SafetensorsReader r = SafetensorsReader.open(f); NDManager m = manager.newSubManager()) {
            e = assertThrows(LongtuneException.class, () -> r.read("w", m, DataType.FLOAT32));
            assertTrue(e.getMessage().contains("I64"), e.getMessage());
            e = assertThrows(LongtuneException.class, () -> r.read("nope", m, DataType.FLOAT32));
            assertTrue(e.getMessage().contains("'nope'"), e.getMessage());
        }
    }
}
