package dev.longtune.models.gguf;

import dev.longtune.api.LongtuneException;
import dev.longtune.models.io.Half;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads a GGUF file (versions 2 and 3, little-endian): header, metadata, tensor infos; tensor data is
 * memory-mapped one tensor at a time on request.
 *
 * <p>Everything before the data is validated when the file is opened: magic, version, counts, string and array
 * lengths (never more than the bytes left in the file), value types, dimension counts, tensor offsets (aligned and
 * inside the data section) and sizes. A truncated or corrupt file fails with a {@link LongtuneException} naming the
 * file and what is wrong, before anything is mapped; the size is checked again before each mapping, so a file that
 * shrinks after opening cannot fault the JVM.
 */
public final class GgufReader implements AutoCloseable {

    /** A tensor's info. {@code dims} are ggml dimensions (innermost first); offsets are into the data section. */
    public record TensorInfo(String name, long[] dims, long typeId, long offset, long bytes) {

        /** The ggml type, or null when Longtune cannot read it (quantized types). */
        public GgufTensorType type() {
            return GgufTensorType.of(typeId);
        }

        public long elements() {
            long n = 1;
            for (long d : dims) {
                n *= d;
            }
            return n;
        }

        /** The row-major (PyTorch / safetensors) shape: the dims reversed. */
        public long[] shape() {
            long[] s = new long[dims.length];
            for (int i = 0; i < dims.length; i++) {
                s[i] = dims[dims.length - 1 - i];
            }
            return s;
        }

        @Override
        public String toString() {
            return name + " " + Arrays.toString(dims) + " " + GgufTensorType.describe(typeId);
        }
    }

    private final Path file;
    private final FileChannel channel;
    private final int version;
    private final Map<String, GgufValue> metadata;
    private final Map<String, TensorInfo> tensors;
    private final int alignment;
    private final long dataStart;

    private GgufReader(Path file, FileChannel channel, int version, Map<String, GgufValue> metadata,
            Map<String, TensorInfo> tensors, int alignment, long dataStart) {
        this.file = file;
        this.channel = channel;
        this.version = version;
        this.metadata = metadata;
        this.tensors = tensors;
        this.alignment = alignment;
        this.dataStart = dataStart;
    }

    /** Opens and validates {@code file}. */
    public static GgufReader open(Path file) throws IOException {
        FileChannel ch;
        try {
            ch = FileChannel.open(file, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new LongtuneException("GGUF file " + file + " does not exist");
        }
        try {
            return parse(file, ch);
        } catch (RuntimeException | IOException | Error e) {
            ch.close();
            throw e;
        }
    }

    private static GgufReader parse(Path file, FileChannel ch) throws IOException {
        In in = new In(file, ch);
        byte[] magic = in.bytes(4, "the magic");
        if (!Arrays.equals(magic, GgufWriter.MAGIC)) {
            throw corrupt(file, "it does not start with the GGUF magic (found "
                    + new String(magic, StandardCharsets.ISO_8859_1).replaceAll("[^\\x20-\\x7e]", "?")
                    + "); it is not a GGUF file");
        }
        int version = in.u32("the version");
        if (version == 1) {
            throw corrupt(file, "it is GGUF version 1, which is obsolete; convert it again with a current llama.cpp");
        }
        if (version != 2 && version != 3) {
            throw corrupt(file, "GGUF version " + Integer.toUnsignedString(version) + " is not supported "
                    + (Integer.reverseBytes(version) == 3 ? "(it is a big-endian GGUF file; only little-endian is "
                            + "supported)" : "(expected 2 or 3)"));
        }
        long tensorCount = in.u64("the tensor count");
        long kvCount = in.u64("the metadata count");
        // Each pair needs at least 12 bytes (key length + type), each tensor info at least 24.
        if (kvCount < 0 || kvCount > in.remaining() / 12 || tensorCount < 0 || tensorCount > in.remaining() / 24) {
            throw corrupt(file, "the header claims " + Long.toUnsignedString(kvCount) + " metadata pairs and "
                    + Long.toUnsignedString(tensorCount) + " tensors, more than the file can hold (it is truncated or "
                    + "corrupt)");
        }
        Map<String, GgufValue> metadata = new LinkedHashMap<>();
        for (long i = 0; i < kvCount; i++) {
            String key = in.string("metadata key " + i);
            int typeId = in.u32("the type of '" + key + "'");
            GgufType type = GgufType.of(Integer.toUnsignedLong(typeId));
            if (type == null) {
                throw corrupt(file, "metadata '" + key + "' has unknown value type " + typeId);
            }
            if (metadata.containsKey(key)) {
                throw corrupt(file, "metadata key '" + key + "' appears twice");
            }
            metadata.put(key, in.value(type, key, 0));
        }
        int alignment = GgufWriter.DEFAULT_ALIGNMENT;
        GgufValue a = metadata.get(GgufWriter.ALIGNMENT_KEY);
        if (a != null) {
            if (!a.type().integer() || a.asLong() <= 0 || a.asLong() > (1 << 20) || Long.bitCount(a.asLong()) != 1) {
                throw corrupt(file, GgufWriter.ALIGNMENT_KEY + " is " + a + ", not a power of two");
            }
            alignment = (int) a.asLong();
        }
        List<TensorInfo> infos = new ArrayList<>();
        for (long i = 0; i < tensorCount; i++) {
            String name = in.string("tensor name " + i);
            int nDims = in.u32("the dimension count of tensor '" + name + "'");
            if (nDims < 1 || nDims > 4) {
                throw corrupt(file, "tensor '" + name + "' has " + Integer.toUnsignedString(nDims)
                        + " dimensions (ggml allows 1 to 4)");
            }
            long[] dims = new long[nDims];
            long elements = 1;
            for (int d = 0; d < nDims; d++) {
                dims[d] = in.u64("a dimension of tensor '" + name + "'");
                if (dims[d] <= 0 || dims[d] > Long.MAX_VALUE / Math.max(1, elements)) {
                    throw corrupt(file, "tensor '" + name + "' has a bad dimension " + Long.toUnsignedString(dims[d]));
                }
                elements *= dims[d];
            }
            long typeId = Integer.toUnsignedLong(in.u32("the type of tensor '" + name + "'"));
            long offset = in.u64("the offset of tensor '" + name + "'");
            GgufTensorType type = GgufTensorType.of(typeId);
            // Sizes of unreadable (quantized) types are not known here; they are checked when read (refused).
            long bytes = type == null ? -1 : Math.multiplyExact(elements, type.bytesPerElement());
            infos.add(new TensorInfo(name, dims, typeId, offset, bytes));
        }
        long dataStart = GgufWriter.pad(in.position(), alignment);
        long dataLen = ch.size() - dataStart;
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        for (TensorInfo t : infos) {
            if (tensors.containsKey(t.name())) {
                throw corrupt(file, "tensor '" + t.name() + "' appears twice");
            }
            if (t.offset() < 0 || t.offset() % alignment != 0) {
                throw corrupt(file, "tensor '" + t.name() + "' starts at offset " + Long.toUnsignedString(t.offset())
                        + ", which is not a multiple of the alignment " + alignment);
            }
            if (t.bytes() >= 0 && (t.offset() > dataLen || t.bytes() > dataLen - t.offset())) {
                throw corrupt(file, "tensor '" + t.name() + "' (" + t.bytes() + " bytes at offset " + t.offset()
                        + ") lies beyond the end of the " + Math.max(0, dataLen) + "-byte data section (the file is "
                        + "truncated)");
            }
            tensors.put(t.name(), t);
        }
        return new GgufReader(file, ch, version, Collections.unmodifiableMap(metadata),
                Collections.unmodifiableMap(tensors), alignment, dataStart);
    }

    static LongtuneException corrupt(Path file, String why) {
        return new LongtuneException("cannot read GGUF file " + file + ": " + why);
    }

    public Path file() {
        return file;
    }

    public int version() {
        return version;
    }

    public int alignment() {
        return alignment;
    }

    /** File offset of the data section. */
    public long dataStart() {
        return dataStart;
    }

    /** All metadata pairs in file order. */
    public Map<String, GgufValue> metadata() {
        return metadata;
    }

    /** Tensor infos in file order. */
    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    public Optional<GgufValue> get(String key) {
        return Optional.ofNullable(metadata.get(key));
    }

    /** A required string value; a clear error names the key when it is missing or of another type. */
    public String string(String key) {
        GgufValue v = required(key);
        if (v.type() != GgufType.STRING) {
            throw corrupt(file, "metadata '" + key + "' is " + v.type() + ", expected STRING");
        }
        return v.asString();
    }

    /** A required integer value (any integer type). */
    public long integer(String key) {
        GgufValue v = required(key);
        if (!v.type().integer()) {
            throw corrupt(file, "metadata '" + key + "' is " + v.type() + ", expected an integer");
        }
        return v.asLong();
    }

    /** A required number (integer or float). */
    public double number(String key) {
        GgufValue v = required(key);
        if (!(v.value() instanceof Number)) {
            throw corrupt(file, "metadata '" + key + "' is " + v.type() + ", expected a number");
        }
        return v.asDouble();
    }

    /** A required array value. */
    public List<?> array(String key) {
        GgufValue v = required(key);
        if (v.type() != GgufType.ARRAY) {
            throw corrupt(file, "metadata '" + key + "' is " + v.type() + ", expected an ARRAY");
        }
        return v.asList();
    }

    private GgufValue required(String key) {
        GgufValue v = metadata.get(key);
        if (v == null) {
            throw corrupt(file, "metadata '" + key + "' is missing");
        }
        return v;
    }

    public TensorInfo info(String name) {
        TensorInfo t = tensors.get(name);
        if (t == null) {
            throw new LongtuneException("tensor '" + name + "' is missing from GGUF file " + file);
        }
        return t;
    }

    /** A read-only little-endian mapping of tensor {@code name}'s bytes (F32 and F16 tensors below 2 GB). */
    public ByteBuffer data(String name) throws IOException {
        TensorInfo t = info(name);
        if (t.type() == null) {
            throw new LongtuneException("tensor '" + name + "' in " + file + " is "
                    + GgufTensorType.describe(t.typeId()) + "; Longtune reads F32 and F16 GGUF tensors only (quantized files cannot be fine-tuned "
                    + "— export an F16 or F32 GGUF)");
        }
        if (t.bytes() > Integer.MAX_VALUE) {
            throw new LongtuneException("tensor '" + name + "' in " + file + " is larger than 2 GB");
        }
        if (dataStart + t.offset() + t.bytes() > channel.size()) {
            throw corrupt(file, "the file shrank while it was being read");
        }
        return channel.map(FileChannel.MapMode.READ_ONLY, dataStart + t.offset(), t.bytes())
                .order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Tensor {@code name} as floats in row-major order (F16 widened exactly). */
    public float[] readFloats(String name) throws IOException {
        TensorInfo t = info(name);
        ByteBuffer b = data(name);
        long n = t.elements();
        if (n > Integer.MAX_VALUE - 8) {
            throw new LongtuneException("tensor '" + name + "' in " + file + " is too large for a Java array");
        }
        float[] out = new float[(int) n];
        if (t.type() == GgufTensorType.F32) {
            b.asFloatBuffer().get(out);
        } else {
            for (int i = 0; i < out.length; i++) {
                out[i] = Half.toFloat(b.getShort(i * 2));
            }
        }
        return out;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    /** Bounded little-endian reads from the channel; running past the end is reported as truncation. */
    private static final class In {
        private static final int MAX_DEPTH = 8;
        private final Path file;
        private final FileChannel ch;
        private final long size;
        private final ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        private long bufStart;

        In(Path file, FileChannel ch) throws IOException {
            this.file = file;
            this.ch = ch;
            this.size = ch.size();
            buf.limit(0);
        }

        long position() {
            return bufStart + buf.position();
        }

        long remaining() {
            return size - position();
        }

        private void need(int n, String what) throws IOException {
            if (buf.remaining() >= n) {
                return;
            }
            if (remaining() < n) {
                throw corrupt(file, "the file ends (" + size + " bytes) while reading " + what
                        + " — it is truncated");
            }
            long pos = position();
            buf.clear();
            bufStart = pos;
            while (buf.position() < n) {
                int r = ch.read(buf, pos + buf.position());
                if (r < 0) {
                    throw corrupt(file, "the file ends while reading " + what + " — it is truncated");
                }
            }
            buf.flip();
        }

        byte[] bytes(int n, String what) throws IOException {
            byte[] out = new byte[n];
            int off = 0;
            while (off < n) {
                int chunk = Math.min(n - off, buf.capacity());
                need(chunk, what);
                buf.get(out, off, chunk);
                off += chunk;
            }
            return out;
        }

        int u32(String what) throws IOException {
            need(4, what);
            return buf.getInt();
        }

        long u64(String what) throws IOException {
            need(8, what);
            return buf.getLong();
        }

        String string(String what) throws IOException {
            long len = u64(what);
            if (len < 0 || len > remaining()) {
                throw corrupt(file, what + " claims a string of " + Long.toUnsignedString(len) + " bytes but only "
                        + remaining() + " bytes are left — the file is truncated or corrupt");
            }
            byte[] b = bytes((int) Math.min(len, Integer.MAX_VALUE - 8), what);
            try {
                return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b)).toString();
            } catch (CharacterCodingException e) {
                // llama.cpp's vocabularies hold a few pieces that are not valid UTF-8 on their own; keep them readable.
                return new String(b, StandardCharsets.UTF_8);
            }
        }

        GgufValue value(GgufType type, String key, int depth) throws IOException {
            Object v = scalar(type, key, depth);
            if (type == GgufType.ARRAY) {
                return (GgufValue) v;
            }
            return new GgufValue(type, v, null);
        }

        private Object scalar(GgufType type, String key, int depth) throws IOException {
            String what = "the value of '" + key + "'";
            switch (type) {
                case UINT8:
                    need(1, what);
                    return (long) (buf.get() & 0xff);
                case INT8:
                    need(1, what);
                    return (long) buf.get();
                case UINT16:
                    need(2, what);
                    return (long) (buf.getShort() & 0xffff);
                case INT16:
                    need(2, what);
                    return (long) buf.getShort();
                case UINT32:
                    return Integer.toUnsignedLong(u32(what));
                case INT32:
                    return (long) u32(what);
                case UINT64:
                case INT64:
                    return u64(what);
                case FLOAT32:
                    need(4, what);
                    return buf.getFloat();
                case FLOAT64:
                    need(8, what);
                    return buf.getDouble();
                case BOOL:
                    need(1, what);
                    byte b = buf.get();
                    if (b != 0 && b != 1) {
                        throw corrupt(file, "metadata '" + key + "' has a BOOL of value " + b);
                    }
                    return b == 1;
                case STRING:
                    return string(what);
                case ARRAY: {
                    if (depth >= MAX_DEPTH) {
                        throw corrupt(file, "metadata '" + key + "' nests arrays more than " + MAX_DEPTH + " deep");
                    }
                    int etId = u32(what);
                    GgufType et = GgufType.of(Integer.toUnsignedLong(etId));
                    if (et == null) {
                        throw corrupt(file, "metadata '" + key + "' is an array of unknown type " + etId);
                    }
                    long n = u64(what);
                    long minSize = et.size() > 0 ? et.size() : et == GgufType.STRING ? 8 : 12;
                    if (n < 0 || n > remaining() / minSize) {
                        throw corrupt(file, "metadata '" + key + "' claims " + Long.toUnsignedString(n)
                                + " elements, more than the " + remaining() + " bytes left can hold — the file is "
                                + "truncated or corrupt");
                    }
                    List<Object> items = new ArrayList<>((int) n);
                    for (long i = 0; i < n; i++) {
                        items.add(scalar(et, key, depth + 1));
                    }
                    return GgufValue.array(et, items);
                }
                default:
                    throw new IllegalStateException(type.toString());
            }
        }
    }
}
