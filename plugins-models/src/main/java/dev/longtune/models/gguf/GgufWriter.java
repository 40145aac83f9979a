package dev.longtune.models.gguf;

import dev.longtune.models.io.Half;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Writes a GGUF file (version 3, little-endian), following ggml's {@code docs/gguf.md}: the header (magic
 * {@code GGUF}, version, tensor count, metadata count), the metadata key/value pairs (every value type, arrays
 * included), the tensor infos (name, dimensions innermost first, ggml type, offset), zero padding to the alignment,
 * then each tensor's data, each starting at a multiple of the alignment ({@code general.alignment}, default 32).
 *
 * <p>Tensor data is streamed: each tensor's {@link TensorData} is asked for its floats only when the file reaches
 * it, and they are converted to F32 or F16 (round to nearest even) on the way out. The file is written beside the
 * target and moved into place, so a reader never sees a half-written file.
 *
 * <pre>{@code
 * new GgufWriter()
 *     .put("general.architecture", GgufValue.string("llama"))
 *     .addTensor("token_embd.weight", new long[] {hidden, vocab}, GgufTensorType.F16, sink -> sink.put(floats))
 *     .write(file);
 * }</pre>
 */
public final class GgufWriter {

    public static final int VERSION = 3;
    public static final int DEFAULT_ALIGNMENT = 32;
    public static final String ALIGNMENT_KEY = "general.alignment";
    static final byte[] MAGIC = {'G', 'G', 'U', 'F'};

    /** Produces a tensor's elements in row-major order (the ggml layout), in as many pieces as it likes. */
    @FunctionalInterface
    public interface TensorData {
        void writeTo(FloatSink sink) throws IOException;
    }

    /** Receives tensor elements. */
    @FunctionalInterface
    public interface FloatSink {
        void put(float[] values, int offset, int length) throws IOException;

        default void put(float[] values) throws IOException {
            put(values, 0, values.length);
        }
    }

    private record Pending(String name, long[] dims, GgufTensorType type, TensorData data, long elements) {}

    private final Map<String, GgufValue> metadata = new LinkedHashMap<>();
    private final Map<String, Pending> tensors = new LinkedHashMap<>();

    /** Adds a metadata pair; keys are unique and kept in insertion order. */
    public GgufWriter put(String key, GgufValue value) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        if (metadata.containsKey(key)) {
            throw new IllegalArgumentException("duplicate metadata key '" + key + "'");
        }
        if (key.equals(ALIGNMENT_KEY)) {
            if (value.type() != GgufType.UINT32 || value.asLong() <= 0 || value.asLong() % 8 != 0
                    || Long.bitCount(value.asLong()) != 1) {
                throw new IllegalArgumentException(ALIGNMENT_KEY + " must be a UINT32 power of two >= 8");
            }
        }
        metadata.put(key, value);
        return this;
    }

    /**
     * Adds a tensor.
     *
     * @param dims ggml dimensions, innermost (fastest-varying) first: a row-major {@code [rows, cols]} matrix is
     *     {@code {cols, rows}}
     */
    public GgufWriter addTensor(String name, long[] dims, GgufTensorType type, TensorData data) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(data, "data");
        if (tensors.containsKey(name)) {
            throw new IllegalArgumentException("duplicate tensor '" + name + "'");
        }
        if (dims.length == 0 || dims.length > 4) {
            throw new IllegalArgumentException("tensor '" + name + "' must have 1 to 4 dimensions");
        }
        long n = 1;
        for (long d : dims) {
            if (d <= 0) {
                throw new IllegalArgumentException("tensor '" + name + "' has dimension " + d);
            }
            n = Math.multiplyExact(n, d);
        }
        tensors.put(name, new Pending(name, dims.clone(), type, data, n));
        return this;
    }

    /** The metadata added so far (read-only). */
    public Map<String, GgufValue> metadata() {
        return Collections.unmodifiableMap(metadata);
    }

    /** The alignment in effect: {@code general.alignment} when set, else 32. */
    public int alignment() {
        GgufValue v = metadata.get(ALIGNMENT_KEY);
        return v == null ? DEFAULT_ALIGNMENT : (int) v.asLong();
    }

    /** Writes the file atomically (temporary file beside it, then a move), replacing {@code file} if it exists. */
    public void write(Path file) throws IOException {
        Path target = file.toAbsolutePath().normalize();
        Path dir = target.getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp");
        try {
            try {
                // createTempFile makes the file owner-only (0600); an exported model is an ordinary file (0644).
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
            } catch (UnsupportedOperationException e) {
                // not a POSIX file system: keep its defaults
            }
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                writeTo(ch);
                ch.force(true);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private void writeTo(FileChannel ch) throws IOException {
        int align = alignment();
        Out out = new Out(ch);
        out.bytes(MAGIC);
        out.u32(VERSION);
        out.u64(tensors.size());
        out.u64(metadata.size());
        for (Map.Entry<String, GgufValue> e : metadata.entrySet()) {
            out.string(e.getKey());
            out.u32(e.getValue().type().id());
            value(out, e.getValue().type(), e.getValue().elementType(), e.getValue().value());
        }
        List<Long> offsets = new ArrayList<>();
        long offset = 0;
        for (Pending t : tensors.values()) {
            out.string(t.name());
            out.u32(t.dims().length);
            for (long d : t.dims()) {
                out.u64(d);
            }
            out.u32(t.type().id());
            out.u64(offset);
            offsets.add(offset);
            offset = pad(offset + t.elements() * t.type().bytesPerElement(), align);
        }
        out.padTo(align);
        long dataStart = out.position();
        int i = 0;
        for (Pending t : tensors.values()) {
            long begin = dataStart + offsets.get(i++);
            out.zeros(begin - out.position());
            long[] count = {0};
            t.data().writeTo((values, off, len) -> {
                Objects.checkFromIndexSize(off, len, values.length);
                if (count[0] + len > t.elements()) {
                    throw new IllegalStateException("tensor '" + t.name() + "' produced more than its "
                            + t.elements() + " elements (dims " + Arrays.toString(t.dims()) + ")");
                }
                count[0] += len;
                if (t.type() == GgufTensorType.F32) {
                    for (int k = 0; k < len; k++) {
                        out.f32(values[off + k]);
                    }
                } else {
                    for (int k = 0; k < len; k++) {
                        out.u16(Half.fromFloat(values[off + k]));
                    }
                }
            });
            if (count[0] != t.elements()) {
                throw new IllegalStateException("tensor '" + t.name() + "' produced " + count[0] + " elements, "
                        + "its dims " + Arrays.toString(t.dims()) + " need " + t.elements());
            }
        }
        out.padTo(align);
        out.flush();
    }

    private static void value(Out out, GgufType type, GgufType elementType, Object v) throws IOException {
        switch (type) {
            case UINT8, INT8 -> out.u8((int) (long) (Long) v);
            case UINT16, INT16 -> out.u16((short) (long) (Long) v);
            case UINT32, INT32 -> out.u32((int) (long) (Long) v);
            case UINT64, INT64 -> out.u64((Long) v);
            case FLOAT32 -> out.f32((Float) v);
            case FLOAT64 -> out.f64((Double) v);
            case BOOL -> out.u8((Boolean) v ? 1 : 0);
            case STRING -> out.string((String) v);
            case ARRAY -> {
                GgufValue nested = v instanceof GgufValue gv ? gv : null;
                GgufType et = nested != null ? nested.elementType() : elementType;
                List<?> items = nested != null ? nested.asList() : (List<?>) v;
                out.u32(et.id());
                out.u64(items.size());
                for (Object item : items) {
                    value(out, et, null, item);
                }
            }
            default -> throw new IllegalStateException(type.toString());
        }
    }

    static long pad(long offset, int align) {
        return (offset + align - 1) / align * align;
    }

    /** Little-endian output through a 1 MB staging buffer. */
    private static final class Out {
        private final FileChannel ch;
        private final ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
        private long written;

        Out(FileChannel ch) {
            this.ch = ch;
        }

        long position() {
            return written + buf.position();
        }

        private void room(int n) throws IOException {
            if (buf.remaining() < n) {
                flush();
            }
        }

        void flush() throws IOException {
            buf.flip();
            while (buf.hasRemaining()) {
                written += ch.write(buf);
            }
            buf.clear();
        }

        void u8(int v) throws IOException {
            room(1);
            buf.put((byte) v);
        }

        void u16(short v) throws IOException {
            room(2);
            buf.putShort(v);
        }

        void u32(int v) throws IOException {
            room(4);
            buf.putInt(v);
        }

        void u64(long v) throws IOException {
            room(8);
            buf.putLong(v);
        }

        void f32(float v) throws IOException {
            room(4);
            buf.putFloat(v);
        }

        void f64(double v) throws IOException {
            room(8);
            buf.putDouble(v);
        }

        void bytes(byte[] b) throws IOException {
            int off = 0;
            while (off < b.length) {
                room(1);
                int n = Math.min(buf.remaining(), b.length - off);
                buf.put(b, off, n);
                off += n;
            }
        }

        void string(String s) throws IOException {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            u64(b.length);
            bytes(b);
        }

        void zeros(long n) throws IOException {
            for (long i = 0; i < n; i++) {
                u8(0);
            }
        }

        void padTo(int align) throws IOException {
            zeros(pad(position(), align) - position());
        }
    }
}
