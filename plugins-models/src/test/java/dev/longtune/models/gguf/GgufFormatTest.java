package dev.longtune.models.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.longtune.api.LongtuneException;
import dev.longtune.models.io.Half;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The GGUF writer and reader on their own: every value type, alignment, F16, atomic writes, corrupt files. */
class GgufFormatTest {

    @TempDir
    Path dir;

    private static float[] ramp(int n, float scale) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            f[i] = (i - n / 2f) * scale;
        }
        return f;
    }

    private static GgufWriter sample() {
        GgufWriter w = new GgufWriter();
        w.put("u8", GgufValue.uint8(255));
        w.put("i8", GgufValue.int8(-128));
        w.put("u16", GgufValue.uint16(65535));
        w.put("i16", GgufValue.int16(-32768));
        w.put("u32", GgufValue.uint32(4294967295L));
        w.put("i32", GgufValue.int32(Integer.MIN_VALUE));
        w.put("u64", GgufValue.uint64(-1L));
        w.put("i64", GgufValue.int64(Long.MIN_VALUE));
        w.put("f32", GgufValue.float32(1e-5f));
        w.put("f64", GgufValue.float64(Math.PI));
        w.put("bool", GgufValue.bool(true));
        w.put("str", GgufValue.string("héllo ▁ 世界"));
        w.put("strs", GgufValue.strings(List.of("a", "", "<0x0A>")));
        w.put("floats", GgufValue.float32s(new float[] {0f, -1f, 2.5f}));
        w.put("ints", GgufValue.int32s(new int[] {1, 3, 6}));
        w.put("nested", GgufValue.array(GgufType.ARRAY, List.of(GgufValue.int32s(new int[] {7}),
                GgufValue.strings(List.of("x", "y")))));
        w.put("empty", GgufValue.array(GgufType.UINT8, List.of()));
        w.addTensor("matrix", new long[] {3, 2}, GgufTensorType.F32, s -> s.put(ramp(6, 0.5f)));
        w.addTensor("half", new long[] {5}, GgufTensorType.F16, s -> {
            float[] f = ramp(5, 0.1f);
            s.put(f, 0, 2);
            s.put(f, 2, 3); // in pieces
        });
        w.addTensor("cube", new long[] {2, 3, 4}, GgufTensorType.F32, s -> s.put(ramp(24, 1f)));
        return w;
    }

    @Test
    void everyValueTypeAndTensorReadsBack() throws IOException {
        Path f = dir.resolve("sample.gguf");
        GgufWriter w = sample();
        w.write(f);
        try (GgufReader r = GgufReader.open(f)) {
            assertEquals(3, r.version());
            assertEquals(32, r.alignment());
            assertEquals(w.metadata(), r.metadata()); // records compare every value, lists element-wise
            assertEquals(List.of("matrix", "half", "cube"), List.copyOf(r.tensors().keySet()));
            GgufReader.TensorInfo m = r.info("matrix");
            assertArrayEquals(new long[] {3, 2}, m.dims());
            assertArrayEquals(new long[] {2, 3}, m.shape());
            assertEquals(GgufTensorType.F32, m.type());
            assertArrayEquals(ramp(6, 0.5f), r.readFloats("matrix"));
            float[] half = r.readFloats("half");
            float[] want = ramp(5, 0.1f);
            for (int i = 0; i < want.length; i++) {
                assertEquals(Half.toFloat(Half.fromFloat(want[i])), half[i], 0f);
            }
            assertEquals(GgufTensorType.F16, r.info("half").type());
            assertArrayEquals(ramp(24, 1f), r.readFloats("cube"));
            assertEquals(0, r.dataStart() % 32);
            for (GgufReader.TensorInfo t : r.tensors().values()) {
                assertEquals(0, t.offset() % 32, t.name());
            }
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(f), files.toList(), "no temporary file is left behind");
        }
        if (f.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            assertTrue(Files.getPosixFilePermissions(f).contains(PosixFilePermission.OTHERS_READ),
                    "an exported file is readable by others, not owner-only like a temporary file");
        }
    }

    @Test
    void honoursACustomAlignment() throws IOException {
        Path f = dir.resolve("aligned.gguf");
        GgufWriter w = sample().put(GgufWriter.ALIGNMENT_KEY, GgufValue.uint32(64));
        w.write(f);
        try (GgufReader r = GgufReader.open(f)) {
            assertEquals(64, r.alignment());
            assertEquals(0, r.dataStart() % 64);
            for (GgufReader.TensorInfo t : r.tensors().values()) {
                assertEquals(0, t.offset() % 64, t.name());
            }
            assertArrayEquals(ramp(24, 1f), r.readFloats("cube"));
        }
    }

    @Test
    void aFailedWriteLeavesTheOldFileAndNoTemporary() throws IOException {
        Path f = dir.resolve("keep.gguf");
        Files.writeString(f, "old");
        GgufWriter w = new GgufWriter().addTensor("t", new long[] {4}, GgufTensorType.F32,
                s -> s.put(new float[] {1, 2, 3})); // one short
        assertThrows(IllegalStateException.class, () -> w.write(f));
        assertEquals("old", Files.readString(f));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(f), files.toList());
        }
    }

    @Test
    void rejectsBadInputWhenBuilding() {
        GgufWriter w = new GgufWriter().put("k", GgufValue.bool(false));
        assertThrows(IllegalArgumentException.class, () -> w.put("k", GgufValue.bool(true)));
        assertThrows(IllegalArgumentException.class, () -> GgufValue.uint8(256));
        assertThrows(IllegalArgumentException.class, () -> GgufValue.uint32(-1));
        assertThrows(IllegalArgumentException.class, () -> w.put(GgufWriter.ALIGNMENT_KEY, GgufValue.uint32(12)));
        assertThrows(IllegalArgumentException.class,
                () -> w.addTensor("x", new long[] {1, 1, 1, 1, 1}, GgufTensorType.F32, s -> {}));
    }

    /** Every prefix of a valid file is refused with a LongtuneException (never another exception, never a crash). */
    @Test
    void everyTruncationGivesAClearError() throws IOException {
        Path f = dir.resolve("whole.gguf");
        sample().write(f);
        byte[] whole = Files.readAllBytes(f);
        Path cut = dir.resolve("cut.gguf");
        for (int len = 0; len < whole.length; len++) {
            Files.write(cut, Arrays.copyOf(whole, len));
            LongtuneException e = assertThrows(LongtuneException.class, () -> GgufReader.open(cut).close(),
                    "prefix of " + len + " bytes");
            assertTrue(e.getMessage().contains(cut.toString()), e.getMessage());
            assertTrue(e.getMessage().contains("truncated") || e.getMessage().contains("GGUF magic"),
                    len + ": " + e.getMessage());
        }
    }

    @Test
    void corruptHeadersGiveClearErrors() throws IOException {
        Path f = dir.resolve("whole.gguf");
        sample().write(f);
        byte[] whole = Files.readAllBytes(f);

        assertCorrupt(patch(whole, 0, new byte[] {'G', 'G', 'M', 'L'}), "not a GGUF file");
        assertCorrupt(patch(whole, 4, le32(1)), "version 1");
        assertCorrupt(patch(whole, 4, le32(7)), "version 7");
        assertCorrupt(patch(whole, 4, new byte[] {0, 0, 0, 3}), "big-endian");
        assertCorrupt(patch(whole, 8, le64(Long.MAX_VALUE)), "more than the file can hold");
        // The first key's length (at 24) claims far more bytes than exist.
        assertCorrupt(patch(whole, 24, le64(1L << 40)), "claims a string of");
        // The first value type (after the key "u8") is not a GGUF type.
        assertCorrupt(patch(whole, 24 + 8 + 2, le32(99)), "unknown value type 99");
        Path p = dir.resolve("x.gguf");
        Files.write(p, "not a gguf at all, just text".getBytes());
        assertThrows(LongtuneException.class, () -> GgufReader.open(p));
        assertThrows(LongtuneException.class, () -> GgufReader.open(dir.resolve("missing.gguf")));
    }

    @Test
    void tensorInfosPointingOutsideTheFileAreRefused() throws IOException {
        Path f = dir.resolve("one.gguf");
        new GgufWriter().addTensor("t", new long[] {8}, GgufTensorType.F32, s -> s.put(new float[8])).write(f);
        byte[] whole = Files.readAllBytes(f);
        // header 24 + name (8 + 1) + n_dims 4 + dim 8 + type 4, then the offset.
        int offsetAt = 24 + 9 + 4 + 8 + 4;
        assertCorrupt(patch(whole, offsetAt, le64(32)), "beyond the end");
        assertCorrupt(patch(whole, offsetAt, le64(4)), "not a multiple of the alignment");
        assertCorrupt(patch(whole, 24 + 9, le32(5)), "dimensions");
        byte[] quant = patch(whole, offsetAt - 4, le32(2)); // Q4_0: listed, refused when read
        Path q = dir.resolve("q.gguf");
        Files.write(q, quant);
        try (GgufReader r = GgufReader.open(q)) {
            LongtuneException e = assertThrows(LongtuneException.class, () -> r.readFloats("t"));
            assertTrue(e.getMessage().contains("Q4_0"), e.getMessage());
        }
    }

    private void assertCorrupt(byte[] bytes, String expected) throws IOException {
        Path p = dir.resolve("corrupt.gguf");
        Files.write(p, bytes);
        LongtuneException e = assertThrows(LongtuneException.class, () -> GgufReader.open(p).close());
        assertTrue(e.getMessage().contains(expected), "expected '" + expected + "' in: " + e.getMessage());
        assertTrue(e.getMessage().contains(p.toString()), e.getMessage());
    }

    private static byte[] patch(byte[] src, int at, byte[] with) {
        byte[] out = src.clone();
        System.arraycopy(with, 0, out, at, with.length);
        return out;
    }

    private static byte[] le32(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array();
    }

    private static byte[] le64(long v) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array();
    }

    @Test
    void metadataAccessorsNameTheKey() throws IOException {
        Path f = dir.resolve("m.gguf");
        sample().write(f);
        try (GgufReader r = GgufReader.open(f)) {
            assertEquals("héllo ▁ 世界", r.string("str"));
            assertEquals(4294967295L, r.integer("u32"));
            assertEquals(1e-5f, (float) r.number("f32"));
            LongtuneException e = assertThrows(LongtuneException.class, () -> r.string("nope"));
            assertTrue(e.getMessage().contains("'nope' is missing"), e.getMessage());
            assertThrows(LongtuneException.class, () -> r.integer("str"));
            assertFalse(r.get("nope").isPresent());
            Map<String, GgufValue> md = r.metadata();
            assertEquals(2, ((GgufValue) md.get("nested").asList().get(1)).asList().size());
        }
    }
}
