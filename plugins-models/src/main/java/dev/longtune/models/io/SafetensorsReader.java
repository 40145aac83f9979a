package dev.longtune.models.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
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
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads a {@code .safetensors} file by memory-mapping one tensor at a time, so neither the file nor a tensor is
 * limited to 2 GB (DJL's own decoder reads the whole file into a {@code byte[]} and aborts the JVM on BF16).
 *
 * <p>Everything in the header is validated when the file is opened (header length, JSON, shapes, offsets inside
 * the file, byte size = elements x dtype size), so a truncated or corrupt file fails with a
 * {@link LongtuneException} naming the file and tensor, before any native code sees a bad pointer.
 *
 * <p>Arrays are always copied into memory owned by libtorch: the mapped pages are never handed to torch (DJL's
 * {@code create(ByteBuffer)} would alias them, and an optimizer writing into a read-only mapping crashes).
 */
public final class SafetensorsReader implements AutoCloseable {

    /** The reference implementation refuses headers above 100 MB; so do we (a bogus length is usually huge). */
    private static final long MAX_HEADER = 100L * 1024 * 1024;

    /** Tensors are copied through slices of at most this many bytes (a single mapping is capped at 2 GB). */
    private static final long CHUNK_BYTES = 1L << 30;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final FileChannel channel;
    private final long dataStart;
    private final Map<String, TensorInfo> tensors;
    private final Map<String, String> metadata;

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
     * The array's memory is owned by libtorch.
     */
    public NDArray read(String name, NDManager manager, DataType target) throws IOException {
        if (target != DataType.FLOAT32 && target != DataType.FLOAT16) {
            throw new IllegalArgumentException("target dtype must be FLOAT32 or FLOAT16, was " + target);
        }
        TensorInfo info = info(name);
        requireReadable(info);
        long bytes = info.end() - info.begin();
        long rows = info.shape().length == 0 ? 1 : info.shape()[0];
        long rowBytes = rows == 0 ? 0 : bytes / rows;
        if (bytes <= CHUNK_BYTES || info.shape().length == 0 || rowBytes > CHUNK_BYTES) {
            return readRange(info, 0, rows, manager, target);
        }
        // Large tensor: copy CHUNK_BYTES worth of rows at a time and concatenate (one mapping is capped at 2 GB).
        long rowsPerChunk = Math.max(1, CHUNK_BYTES / rowBytes);
        NDList parts = new NDList();
        try {
            for (long r = 0; r < rows; r += rowsPerChunk) {
                parts.add(readRange(info, r, Math.min(rows, r + rowsPerChunk), manager, target));
            }
            return NDArrays.concat(parts, 0);
        } finally {
            parts.close();
        }
    }

    /** Reads a (small) tensor as Java floats, for tests and tools. */
    public float[] readFloats(String name) throws IOException {
        TensorInfo info = info(name);
        requireReadable(info);
        long n = info.elements();
        if (n > Integer.MAX_VALUE) {
            throw new LongtuneException("tensor '" + name + "' in " + file + " is too large for a Java array");
        }
        ByteBuffer src = map(info.begin(), info.end() - info.begin());
        float[] out = new float[(int) n];
        for (int i = 0; i < out.length; i++) {
            out[i] = element(info.dtype(), src, i);
        }
        return out;
    }

    private void requireReadable(TensorInfo info) {
        if (!info.dtype().readable()) {
            throw new LongtuneException("tensor '" + info.name() + "' in " + file + " has dtype " + info.dtype()
                    + ", which Longtune cannot load as weights (supported: F32, F16, BF16)");
        }
    }

    private NDArray readRange(TensorInfo info, long rowFrom, long rowTo, NDManager manager, DataType target)
            throws IOException {
        long[] shape = info.shape().clone();
        long bytes = info.end() - info.begin();
        long offset = 0;
        if (shape.length > 0) {
            long rowBytes = shape[0] == 0 ? 0 : bytes / shape[0];
            offset = rowFrom * rowBytes;
            bytes = (rowTo - rowFrom) * rowBytes;
            shape[0] = rowTo - rowFrom;
        }
        Shape s = new Shape(shape);
        if (bytes == 0) {
            return manager.zeros(s, target);
        }
        ByteBuffer src = map(info.begin() + offset, bytes);
        SafetensorsDType dt = info.dtype();
        ByteBuffer staged;
        DataType stagedType;
        if (dt == SafetensorsDType.F32 || (dt == SafetensorsDType.F16 && target == DataType.FLOAT16)) {
            staged = src; // already in the layout torch wants (little-endian on x86/ARM)
            stagedType = dt == SafetensorsDType.F32 ? DataType.FLOAT32 : DataType.FLOAT16;
        } else {
            // F16 -> F32, or BF16 (torch through DJL cannot hold bf16): widen in Java.
            int n = Math.toIntExact(bytes / dt.size());
            staged = ByteBuffer.allocateDirect(n * 4).order(ByteOrder.nativeOrder());
            for (int i = 0; i < n; i++) {
                staged.putFloat(i * 4, element(dt, src, i));
            }
            stagedType = DataType.FLOAT32;
        }
        // create() over a direct buffer aliases it; duplicate() copies into torch-owned memory.
        try (NDArray alias = manager.create(staged, s, stagedType)) {
            if (stagedType == target) {
                return alias.duplicate();
            }
            return alias.toType(target, true);
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

    private ByteBuffer map(long relOffset, long length) throws IOException {
        if (length > Integer.MAX_VALUE) {
            throw new IllegalStateException("mapping above 2 GB: " + length);
        }
        // Re-check against the current size: a file truncated after open() must not fault (SIGBUS) on access.
        if (dataStart + relOffset + length > channel.size()) {
            throw corrupt(file, "the file shrank while it was being read");
        }
        return channel.map(FileChannel.MapMode.READ_ONLY, dataStart + relOffset, length)
                .order(ByteOrder.LITTLE_ENDIAN);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
