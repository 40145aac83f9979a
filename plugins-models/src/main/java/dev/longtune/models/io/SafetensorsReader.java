package dev.longtune.models.io;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longtune.api.LongtuneException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads a {@code .safetensors} file with positional reads, so neither the file nor a tensor is limited to 2 GB (DJL's
 * own decoder reads the whole file into a {@code byte[]} and aborts the JVM on BF16).
 *
 * <p>Everything in the header is validated when the file is opened (header length, JSON, shapes, offsets inside
 * the file, byte size = elements x dtype size), so a truncated or corrupt file fails with a
 * {@link LongtuneException} naming the file and tensor, before any native code sees a bad pointer.
 *
 * <p><b>One copy of the weights.</b> Each tensor is allocated once, uninitialised, in memory owned by libtorch
 * ({@code manager.create(shape, type)}), and the file's bytes are read straight into it through the direct buffer
 * DJL documents for {@code toByteBuffer(true)} (it shares the array's native memory), in slices of at most
 * {@value #CHUNK_BYTES} bytes. F16/BF16 widening (and narrowing to FLOAT16) goes through one small reusable staging
 * buffer. Nothing is memory-mapped: touched pages of a mapping count in the process's RSS until the mapping is
 * garbage-collected (Java 17 has no public unmap), which made loading hold the file and the tensors at once (peak
 * RSS ~2x the weights for F32, ~2.5x for BF16 with its full-size direct staging buffer). Page-cache pages filled by
 * {@code read} do not count against the process.
 *
 * <p>The arrays never alias Java memory: DJL's {@code create(ByteBuffer)} over a direct buffer would (and an
 * optimizer writing into a read-only mapping crashes). The only alias here runs the other way, a short-lived Java
 * view of libtorch's memory used while the array is filled, and it never escapes this class.
 *
 * <p>Reads are serialised per reader (they share the staging buffer); open one reader per thread to read in
 * parallel.
 */
public final class SafetensorsReader implements AutoCloseable {

    /** The reference implementation refuses headers above 100 MB; so do we (a bogus length is usually huge). */
    private static final long MAX_HEADER = 100L * 1024 * 1024;

    /**
     * Tensors are filled through views of at most this many bytes of the destination array (DJL's direct view of an
     * array is capped at 2 GB).
     */
    private static final long CHUNK_BYTES = 1L << 30;

    /** File bytes per positional read when the element type has to be converted (reused buffer). */
    private static final int STAGING_BYTES = 1 << 21;

    /** {@link #CHUNK_BYTES}, lowered by tests to exercise multi-slice reads on small tensors. */
    static long chunkBytes = CHUNK_BYTES;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final FileChannel channel;
    private final long dataStart;
    private final Map<String, TensorInfo> tensors;
    private final Map<String, String> metadata;
    private ByteBuffer staging;

    /** One tensor's header entry. Offsets are relative to the start of the data section. */
    public record TensorInfo(String name, SafetensorsDType dtype, long[] shape, long begin, long end) {

        public long elements() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return n;
        }
    }

    private SafetensorsReader(Path file, FileChannel channel, long dataStart, Map<String, TensorInfo> tensors,
            Map<String, String> metadata) {
        this.file = file;
        this.channel = channel;
        this.dataStart = dataStart;
        this.tensors = tensors;
        this.metadata = metadata;
    }

    /** Opens and validates {@code file}. */
    public static SafetensorsReader open(Path file) throws IOException {
        FileChannel ch;
        try {
            ch = FileChannel.open(file, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new LongtuneException("safetensors file " + file + " does not exist");
        }
        try {
            return parse(file, ch);
        } catch (RuntimeException | IOException e) {
            ch.close();
            throw e;
        }
    }

    private static SafetensorsReader parse(Path file, FileChannel ch) throws IOException {
        long size = ch.size();
        if (size < 8) {
            throw corrupt(file, "it is " + size + " bytes long, shorter than the 8-byte header length");
        }
        ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, lenBuf, 0);
        long headerLen = lenBuf.getLong(0);
        if (headerLen <= 0 || headerLen > MAX_HEADER || headerLen > size - 8) {
            throw corrupt(file, "the header length field says " + Long.toUnsignedString(headerLen)
                    + " bytes but the file has " + (size - 8) + " bytes after it (limit " + MAX_HEADER + ")");
        }
        ByteBuffer headerBuf = ByteBuffer.allocate((int) headerLen);
        readFully(ch, headerBuf, 8);
        JsonNode root;
        try {
            root = JSON.readTree(new String(headerBuf.array(), StandardCharsets.UTF_8).trim());
        } catch (IOException e) {
            throw corrupt(file, "the header is not valid JSON (" + e.getMessage() + ")");
        }
        if (!(root instanceof ObjectNode)) {
            throw corrupt(file, "the header is not a JSON object");
        }
        long dataStart = 8 + headerLen;
        long dataLen = size - dataStart;
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : root.properties()) {
            String name = e.getKey();
            JsonNode node = e.getValue();
            if (name.equals("__metadata__")) {
                node.properties().forEach(m -> metadata.put(m.getKey(), m.getValue().asText()));
                continue;
            }
            tensors.put(name, parseEntry(file, name, node, dataLen));
        }
        return new SafetensorsReader(file, ch, dataStart, Collections.unmodifiableMap(tensors),
                Collections.unmodifiableMap(metadata));
    }

    private static TensorInfo parseEntry(Path file, String name, JsonNode node, long dataLen) {
        String dtypeName = node.path("dtype").asText(null);
        SafetensorsDType dtype = SafetensorsDType.of(dtypeName);
        if (dtype == null) {
            throw new LongtuneException("tensor '" + name + "' in " + file + " has unknown dtype '" + dtypeName
                    + "' (expected one of F32, F16, BF16, ...); the file is corrupt or from a newer safetensors");
        }
        JsonNode shapeNode = node.path("shape");
        JsonNode offsets = node.path("data_offsets");
        if (!shapeNode.isArray() || !offsets.isArray() || offsets.size() != 2) {
            throw corrupt(file, "tensor '" + name + "' lacks a valid shape or data_offsets");
        }
        long[] shape = new long[shapeNode.size()];
        long elements = 1;
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = shapeNode.get(i);
            if (!d.canConvertToLong() || d.asLong() < 0) {
                throw corrupt(file, "tensor '" + name + "' has a bad dimension " + d);
            }
            shape[i] = d.asLong();
            elements = Math.multiplyExact(elements, shape[i]);
        }
        long begin = offsets.get(0).asLong(-1);
        long end = offsets.get(1).asLong(-1);
        if (begin < 0 || end < begin || end > dataLen) {
            throw corrupt(file, "tensor '" + name + "' has data_offsets [" + offsets.get(0) + ", " + offsets.get(1)
                    + "] outside the " + dataLen + "-byte data section (the file is truncated or corrupt)");
        }
        long expected = Math.multiplyExact(elements, dtype.size());
        if (end - begin != expected) {
            throw corrupt(file, "tensor '" + name + "' occupies " + (end - begin) + " bytes but its shape "
                    + java.util.Arrays.toString(shape) + " of " + dtype + " needs " + expected);
        }
        return new TensorInfo(name, dtype, shape, begin, end);
    }

    private static LongtuneException corrupt(Path file, String why) {
        return new LongtuneException("cannot read safetensors file " + file + ": " + why);
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
        long pos = position;
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos);
            if (n < 0) {
                throw new IOException("unexpected end of " + pos);
            }
            pos += n;
        }
    }

    public Path file() {
        return file;
    }

    /** Tensor entries in header order. */
    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    /** The {@code __metadata__} object (empty when absent). */
    public Map<String, String> metadata() {
        return metadata;
    }

    public boolean contains(String name) {
        return tensors.containsKey(name);
    }

    public TensorInfo info(String name) {
        TensorInfo info = tensors.get(name);
        if (info == null) {
            throw new LongtuneException("tensor '" + name + "' is missing from " + file);
        }
        return info;
    }

    /**
     * Reads tensor {@code name} into a new array of {@code target} type (FLOAT32 or FLOAT16) on {@code manager}.
     * The array's memory is owned by libtorch, and it is the only copy of the tensor this method makes.
     */
    public synchronized NDArray read(String name, NDManager manager, DataType target) throws IOException {
        if (target != DataType.FLOAT32 && target != DataType.FLOAT16) {
            throw new IllegalArgumentException("target dtype must be FLOAT32 or FLOAT16, was " + target);
        }
        TensorInfo info = info(name);
        requireReadable(info);
        if (!Device.cpu().equals(manager.getDevice())) {
            // The direct view of an accelerator array is a host copy: fill a host array, then move it.
            try (NDManager host = manager.newSubManager(Device.cpu())) {
                NDArray moved = readOnCpu(info, host, target).toDevice(manager.getDevice(), false);
                moved.attach(manager);
                return moved;
            }
        }
        return readOnCpu(info, manager, target);
    }

    private NDArray readOnCpu(TensorInfo info, NDManager manager, DataType target) throws IOException {
        Shape shape = new Shape(info.shape());
        long n = info.elements();
        NDArray out = manager.create(shape, target); // torch.empty: allocated and owned by libtorch
        try {
            if (n == 0) {
                return out;
            }
            int outSize = target == DataType.FLOAT32 ? 4 : 2;
            long perSlice = Math.max(1, chunkBytes / outSize);
            if (n <= perSlice) {
                fill(info, 0, n, directView(out, n * outSize), target);
                return out;
            }
            // Larger than one direct view: fill contiguous element ranges of a flat view of the same memory.
            try (NDArray flat = out.reshape(n)) {
                for (long from = 0; from < n; from += perSlice) {
                    long to = Math.min(n, from + perSlice);
                    try (NDArray slice = flat.get(new NDIndex().addSliceDim(from, to))) {
                        fill(info, from, to - from, directView(slice, (to - from) * outSize), target);
                    }
                }
            }
            return out;
        } catch (RuntimeException | IOException | Error e) {
            out.close();
            throw e;
        }
    }

    /** The array's own native memory as a little-endian buffer (DJL: a direct buffer shares the array's memory). */
    private ByteBuffer directView(NDArray array, long bytes) {
        ByteBuffer b = array.toByteBuffer(true);
        if (!b.isDirect() || b.capacity() != bytes) {
            throw new IllegalStateException("the engine did not expose the native memory of a new " + bytes
                    + "-byte array (direct=" + b.isDirect() + ", capacity=" + b.capacity() + "); cannot read "
                    + file + " in place");
        }
        return b.order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Writes elements [first, first+count) of {@code info}, converted to {@code target}, into {@code dst}. */
    private void fill(TensorInfo info, long first, long count, ByteBuffer dst, DataType target) throws IOException {
        SafetensorsDType dt = info.dtype();
        long pos = info.begin() + first * dt.size();
        if ((dt == SafetensorsDType.F32 && target == DataType.FLOAT32)
                || (dt == SafetensorsDType.F16 && target == DataType.FLOAT16)) {
            // Same layout (little-endian on x86/ARM): straight from the file into libtorch's memory.
            readAt(dst, pos, count * dt.size());
            return;
        }
        boolean toF32 = target == DataType.FLOAT32;
        stream(info, first, count, (src, elements, offset) -> {
            for (int i = 0; i < elements; i++) {
                int o = (int) (offset + i);
                if (dt == SafetensorsDType.BF16 && toF32) {
                    dst.putInt(o * 4, (src.getShort(i * 2) & 0xffff) << 16);
                } else if (toF32) {
                    dst.putFloat(o * 4, element(dt, src, i));
                } else {
                    dst.putShort(o * 2, Half.fromFloat(element(dt, src, i)));
                }
            }
        });
    }

    /** Receives consecutive runs of a tensor's raw elements; {@code offset} counts from the first one asked for. */
    private interface ChunkSink {
        void accept(ByteBuffer src, int elements, long offset);
    }

    /** Reads elements [first, first+count) through the reusable staging buffer, one positional read per chunk. */
    private void stream(TensorInfo info, long first, long count, ChunkSink sink) throws IOException {
        int size = info.dtype().size();
        if (staging == null) {
            staging = ByteBuffer.allocateDirect(STAGING_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        }
        int per = STAGING_BYTES / size;
        for (long done = 0; done < count; ) {
            int n = (int) Math.min(per, count - done);
            staging.clear().limit(n * size);
            readAt(staging, info.begin() + (first + done) * size, (long) n * size);
            sink.accept(staging, n, done);
            done += n;
        }
    }

    /** Reads {@code length} bytes at data-section offset {@code relOffset} into {@code dst} from its position. */
    private void readAt(ByteBuffer dst, long relOffset, long length) throws IOException {
        if (dst.remaining() < length) {
            throw new IllegalStateException("buffer of " + dst.remaining() + " bytes for " + length);
        }
        long pos = dataStart + relOffset;
        long end = pos + length;
        ByteBuffer target = dst.duplicate();
        target.limit((int) (target.position() + length));
        while (pos < end) {
            int n = channel.read(target, pos);
            if (n < 0) {
                throw corrupt(file, "the file shrank while it was being read (it ends at " + channel.size()
                        + " bytes, a tensor needs bytes up to " + end + ")");
            }
            pos += n;
        }
    }

    /** Reads a (small) tensor as Java floats, for tests and tools. */
    public synchronized float[] readFloats(String name) throws IOException {
        TensorInfo info = info(name);
        requireReadable(info);
        long n = info.elements();
        if (n > Integer.MAX_VALUE) {
            throw new LongtuneException("tensor '" + name + "' in " + file + " is too large for a Java array");
        }
        float[] out = new float[(int) n];
        SafetensorsDType dt = info.dtype();
        stream(info, 0, n, (src, elements, offset) -> {
            for (int i = 0; i < elements; i++) {
                out[(int) offset + i] = element(dt, src, i);
            }
        });
        return out;
    }

    private void requireReadable(TensorInfo info) {
        if (!info.dtype().readable()) {
            throw new LongtuneException("tensor '" + info.name() + "' in " + file + " has dtype " + info.dtype()
                    + ", which Longtune cannot load as weights (supported: F32, F16, BF16)");
        }
    }

    private static float element(SafetensorsDType dt, ByteBuffer src, int i) {
        switch (dt) {
            case F32:
                return src.getFloat(i * 4);
            case F16:
                return Half.toFloat(src.getShort(i * 2));
            case BF16:
                return Half.bf16ToFloat(src.getShort(i * 2));
            default:
                throw new IllegalStateException(dt.toString());
        }
    }

    @Override
    public synchronized void close() throws IOException {
        staging = null;
        channel.close();
    }
}
