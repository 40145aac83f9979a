package dev.longtune.training.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longtune.api.LongtuneException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * plugins-training's one reader and writer of <a href="https://huggingface.co/docs/safetensors">safetensors</a> files
 * holding F32 tensors only: checkpoints ({@code trainable.safetensors}, {@code optimizer.safetensors}) and PEFT
 * adapters ({@code adapter_model.safetensors}, via {@link #write(Path, Map, Map)}). (plugins-models has a full reader
 * and writer, but plugins-training may not depend on it at compile time.)
 *
 * <p>Layout, as the format specifies: an 8-byte little-endian header length {@code n}; {@code n} bytes of UTF-8
 * JSON, padded with spaces to a multiple of 8, mapping each tensor name to {@code {"dtype":"F32","shape":[...],
 * "data_offsets":[begin,end]}} (offsets relative to the end of the header) plus an optional
 * {@code "__metadata__"} object of strings; then the tensors' little-endian bytes, back to back, in header order.
 * The files open with the {@code safetensors} Python package too. Header JSON is compact (Jackson's default), with
 * {@code __metadata__} first when there is any, so files are byte-identical to those of the former adapter writer
 * ({@code trains/SafetensorsOut}, which always wrote {@code {"format":"pt"}}). Files are written to a sibling
 * {@code .tmp} first, forced to disk and moved into place, so a reader never sees half a file.
 */
public final class TensorFile {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int CHUNK_FLOATS = 1 << 20;
    private static final long MAX_HEADER = 100L << 20;

    private TensorFile() {}

    /** A tensor read back: shape and row-major data. */
    public record Tensor(long[] shape, float[] data) {}

    /**
     * Writes F32 tensors, in {@code shapes} order, then forces the file to disk.
     *
     * @param shapes tensor name → shape, in file order
     * @param data the data of one tensor by name, asked for once per tensor while writing (so only one tensor's
     *     copy is held at a time); its length must be the product of the shape
     * @param metadata the {@code __metadata__} strings (may be empty)
     */
    public static void write(Path file, Map<String, long[]> shapes, Function<String, float[]> data,
            Map<String, String> metadata) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            writeDirect(tmp, shapes, data, metadata);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Writes arrays in {@code tensors} order, each converted to float32 (F16/BF16 widen exactly), read from the
     * array one tensor at a time.
     */
    public static void write(Path file, Map<String, NDArray> tensors, Map<String, String> metadata)
            throws IOException {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        tensors.forEach((name, a) -> shapes.put(name, a.getShape().getShape()));
        write(file, shapes, name -> floats(tensors.get(name)), metadata);
    }

    private static float[] floats(NDArray a) {
        if (a.getDataType() == DataType.FLOAT32) {
            return a.toFloatArray();
        }
        try (NDArray f = a.toType(DataType.FLOAT32, true)) {
            return f.toFloatArray();
        }
    }

    private static void writeDirect(Path file, Map<String, long[]> shapes, Function<String, float[]> data,
            Map<String, String> metadata) throws IOException {
        ObjectNode header = JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = header.putObject("__metadata__");
            metadata.forEach(meta::put);
        }
        long offset = 0;
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            long n = elements(e.getValue());
            ObjectNode t = header.putObject(e.getKey());
            t.put("dtype", "F32");
            ArrayNode shape = t.putArray("shape");
            for (long d : e.getValue()) {
                shape.add(d);
            }
            t.putArray("data_offsets").add(offset).add(offset + 4 * n);
            offset += 4 * n;
        }
        byte[] json = JSON.writeValueAsBytes(header);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) {
            head.put((byte) ' ');
        }
        head.flip();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            writeFully(ch, head);
            ByteBuffer buf = ByteBuffer.allocate(4 * CHUNK_FLOATS).order(ByteOrder.LITTLE_ENDIAN);
            for (Map.Entry<String, long[]> e : shapes.entrySet()) {
                float[] values = data.apply(e.getKey());
                if (values == null || values.length != elements(e.getValue())) {
                    throw new IllegalArgumentException("tensor " + e.getKey() + ": shape "
                            + Arrays.toString(e.getValue()) + " but " + (values == null ? "no" : values.length)
                            + " values");
                }
                for (int i = 0; i < values.length; i += CHUNK_FLOATS) {
                    int len = Math.min(CHUNK_FLOATS, values.length - i);
                    buf.clear();
                    buf.asFloatBuffer().put(values, i, len);
                    buf.limit(4 * len);
                    writeFully(ch, buf);
                }
            }
            ch.force(true);
        }
    }

    /** Reads every tensor (all must be F32), in file order. */
    public static Map<String, Tensor> read(Path file) throws IOException {
        Map<String, Tensor> out = new LinkedHashMap<>();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) {
                throw bad(file, "shorter than its 8-byte header length");
            }
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, len, 0);
            long n = len.flip().getLong();
            if (n < 2 || n > MAX_HEADER || 8 + n > size) {
                throw bad(file, "header length " + n + " does not fit a file of " + size + " bytes");
            }
            ByteBuffer hb = ByteBuffer.allocate((int) n);
            readFully(ch, hb, 8);
            JsonNode header = JSON.readTree(new String(hb.array(), StandardCharsets.UTF_8).trim());
            long dataStart = 8 + n;
            Iterator<Map.Entry<String, JsonNode>> it = header.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getKey().equals("__metadata__")) {
                    continue;
                }
                JsonNode t = e.getValue();
                if (!"F32".equals(t.path("dtype").asText())) {
                    throw bad(file, "tensor " + e.getKey() + " is " + t.path("dtype").asText() + ", only F32 is read");
                }
                long[] shape = new long[t.path("shape").size()];
                for (int i = 0; i < shape.length; i++) {
                    shape[i] = t.path("shape").get(i).asLong();
                }
                long begin = t.path("data_offsets").path(0).asLong(-1);
                long end = t.path("data_offsets").path(1).asLong(-1);
                long count = elements(shape);
                if (begin < 0 || end - begin != 4 * count || dataStart + end > size) {
                    throw bad(file, "tensor " + e.getKey() + " has offsets [" + begin + ", " + end + "] for shape "
                            + Arrays.toString(shape) + " in a file of " + size + " bytes (truncated?)");
                }
                if (count > Integer.MAX_VALUE - 8) {
                    throw bad(file, "tensor " + e.getKey() + " has " + count + " elements, too many for one array");
                }
                float[] values = new float[(int) count];
                ByteBuffer buf = ByteBuffer.allocate(4 * (int) Math.min(count, CHUNK_FLOATS))
                        .order(ByteOrder.LITTLE_ENDIAN);
                for (int i = 0; i < values.length; i += CHUNK_FLOATS) {
                    int k = Math.min(CHUNK_FLOATS, values.length - i);
                    buf.clear().limit(4 * k);
                    readFully(ch, buf, dataStart + begin + 4L * i);
                    buf.flip();
                    buf.asFloatBuffer().get(values, i, k);
                }
                out.put(e.getKey(), new Tensor(shape, values));
            }
        }
        return out;
    }

    /** The {@code __metadata__} strings of a file (empty when it has none). */
    public static Map<String, String> metadata(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, len, 0);
            long n = len.flip().getLong();
            if (n < 2 || n > MAX_HEADER || 8 + n > ch.size()) {
                throw bad(file, "header length " + n + " does not fit the file");
            }
            ByteBuffer hb = ByteBuffer.allocate((int) n);
            readFully(ch, hb, 8);
            JsonNode meta = JSON.readTree(new String(hb.array(), StandardCharsets.UTF_8).trim()).path("__metadata__");
            Map<String, String> out = new LinkedHashMap<>();
            meta.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
            return out;
        }
    }

    private static long elements(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer b, long position) throws IOException {
        long pos = position;
        while (b.hasRemaining()) {
            int r = ch.read(b, pos);
            if (r < 0) {
                throw new IOException("unexpected end of file at byte " + pos);
            }
            pos += r;
        }
    }

    private static LongtuneException bad(Path file, String why) {
        return new LongtuneException("bad checkpoint tensor file " + file + ": " + why);
    }
}
