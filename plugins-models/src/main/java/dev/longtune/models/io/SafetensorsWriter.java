package dev.longtune.models.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes NDArrays as a {@code .safetensors} file that Hugging Face {@code safetensors} reads: F32 (or F16) data,
 * {@code __metadata__ {"format":"pt"}}, the header padded with spaces to a multiple of 8 bytes, tensors sorted by
 * name so the same weights always give the same bytes. The file is written beside the target and moved into place,
 * so a reader never sees a half-written file.
 */
public final class SafetensorsWriter {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Rows are copied out of torch in slices of about this many bytes (toByteBuffer is int-indexed). */
    private static final long CHUNK_BYTES = 1L << 28;

    private SafetensorsWriter() {}

    /** Writes {@code tensors} as F32. */
    public static void write(Path file, Map<String, NDArray> tensors) throws IOException {
        write(file, tensors, DataType.FLOAT32);
    }

    /** Writes {@code tensors} as {@code dtype} (FLOAT32 or FLOAT16), converting with torch where needed. */
    public static void write(Path file, Map<String, NDArray> tensors, DataType dtype) throws IOException {
        if (dtype != DataType.FLOAT32 && dtype != DataType.FLOAT16) {
            throw new IllegalArgumentException("dtype must be FLOAT32 or FLOAT16, was " + dtype);
        }
        int elemSize = dtype == DataType.FLOAT32 ? 4 : 2;
        Map<String, NDArray> sorted = new TreeMap<>(tensors);
        ObjectNode header = JSON.createObjectNode();
        header.putObject("__metadata__").put("format", "pt");
        long offset = 0;
        for (Map.Entry<String, NDArray> e : sorted.entrySet()) {
            long[] shape = e.getValue().getShape().getShape();
            long bytes = e.getValue().getShape().size() * elemSize;
            ObjectNode t = header.putObject(e.getKey());
            t.put("dtype", dtype == DataType.FLOAT32 ? "F32" : "F16");
            ArrayNode s = t.putArray("shape");
            for (long d : shape) {
                s.add(d);
            }
            t.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] json = JSON.writeValueAsBytes(header);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) {
            head.put((byte) ' ');
        }
        head.flip();

        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + file.getFileName() + ".", ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                writeFully(ch, head);
                for (NDArray a : sorted.values()) {
                    writeTensor(ch, a, dtype, elemSize);
                }
                ch.force(true);
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static void writeTensor(FileChannel ch, NDArray a, DataType dtype, int elemSize) throws IOException {
        long[] shape = a.getShape().getShape();
        long bytes = a.getShape().size() * elemSize;
        if (bytes == 0) {
            return;
        }
        if (bytes <= CHUNK_BYTES || shape.length == 0 || shape[0] <= 1) {
            writeBytes(ch, a, dtype);
            return;
        }
        long rowBytes = bytes / shape[0];
        long rowsPerChunk = Math.max(1, CHUNK_BYTES / rowBytes);
        for (long r = 0; r < shape[0]; r += rowsPerChunk) {
            try (NDArray part = a.get(new NDIndex().addSliceDim(r, Math.min(shape[0], r + rowsPerChunk)))) {
                writeBytes(ch, part, dtype);
            }
        }
    }

    private static void writeBytes(FileChannel ch, NDArray a, DataType dtype) throws IOException {
        if (a.getDataType() == dtype) {
            writeFully(ch, a.toByteBuffer().order(ByteOrder.LITTLE_ENDIAN));
            return;
        }
        try (NDArray converted = a.toType(dtype, true)) {
            writeFully(ch, converted.toByteBuffer());
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            throw new IOException("big-endian hosts are not supported by the safetensors writer");
        }
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }
}
