package dev.longtune.training.quant;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;

/**
 * A weight stored as NF4 (see {@link Nf4}): packed 4-bit codes plus per-block scales, the scales optionally double
 * quantized. The stored arrays live in torch memory on a sub-manager of the manager given at construction; call
 * {@link #dequantize} to get the float32 weight when a forward pass needs it, and {@link #close} to free it.
 *
 * <p>Storage: {@code ceil(n/2)} bytes of codes, plus either 4 bytes per block (float32 absmax) or, double quantized,
 * 1 byte per block + 4 bytes per {@value Nf4#DOUBLE_QUANT_BLOCK_SIZE} blocks + a 4-byte offset. With block 64 that
 * is 4.5 bits per parameter single-quantized and about 4.127 with double quantization (QLoRA's 0.5 → 0.127 bits of
 * scale overhead).
 */
public final class Nf4Tensor implements AutoCloseable {

    private static final float[] HIGH = new float[256];
    private static final float[] LOW = new float[256];

    static {
        float[] code = Nf4.codeBook();
        for (int b = 0; b < 256; b++) {
            HIGH[b] = code[b >>> 4];
            LOW[b] = code[b & 0x0f];
        }
    }

    private final NDManager storage;
    private final Shape shape;
    private final int blockSize;
    private final long length;
    private final NDArray packed; // uint8 [ceil(n/2)]
    private final NDArray absmax; // float32 [blocks], or null when double quantized
    private final NDArray absmaxCodes; // uint8 [blocks] when double quantized
    private final NDArray absmax2; // float32 [ceil(blocks/256)] when double quantized
    private final NDArray offset; // float32 0-d when double quantized
    private final long storageBytes;

    private Nf4Tensor(NDManager parent, Shape shape, Nf4.Quantized q, boolean doubleQuant) {
        this.storage = parent.newSubManager();
        this.shape = shape;
        this.blockSize = q.blockSize();
        this.length = q.length();
        this.packed = bytes(storage, q.packed());
        if (doubleQuant) {
            Nf4.DoubleQuantized dq = Nf4.doubleQuantize(q.absmax());
            this.absmax = null;
            this.absmaxCodes = bytes(storage, dq.codes());
            this.absmax2 = storage.create(dq.absmax2());
            this.offset = storage.full(new Shape(), dq.offset(), DataType.FLOAT32);
            this.storageBytes = q.packed().length + dq.codes().length + 4L * dq.absmax2().length + 4;
        } else {
            this.absmax = storage.create(q.absmax());
            this.absmaxCodes = null;
            this.absmax2 = null;
            this.offset = null;
            this.storageBytes = q.packed().length + 4L * q.absmax().length;
        }
    }

    /**
     * Quantizes a weight (any float dtype; read as float32).
     *
     * @param weight the weight; not modified or closed
     * @param manager where the quantized data lives (a sub-manager of it is created)
     * @param blockSize {@link Nf4#DEFAULT_BLOCK_SIZE} unless you have a reason
     * @param doubleQuant quantize the block scales too (QLoRA's default)
     */
    public static Nf4Tensor quantize(NDArray weight, NDManager manager, int blockSize, boolean doubleQuant) {
        float[] values;
        if (weight.getDataType() == DataType.FLOAT32) {
            values = weight.toFloatArray();
        } else {
            try (NDArray f32 = weight.toType(DataType.FLOAT32, true)) {
                values = f32.toFloatArray();
            }
        }
        return quantize(values, weight.getShape(), manager, blockSize, doubleQuant);
    }

    /** Quantizes {@code values}, a row-major tensor of {@code shape}. */
    public static Nf4Tensor quantize(float[] values, Shape shape, NDManager manager, int blockSize,
            boolean doubleQuant) {
        if (shape.size() != values.length) {
            throw new IllegalArgumentException("shape " + shape + " does not hold " + values.length + " values");
        }
        return new Nf4Tensor(manager, shape, Nf4.quantize(values, blockSize), doubleQuant);
    }

    /**
     * The float32 weight, {@code code[idx] · absmax} (absmax dequantized first when double quantized), attached to
     * {@code target}; no gradient. Intermediates are freed before returning.
     */
    public NDArray dequantize(NDManager target) {
        int blocks = Nf4.blocks(length, blockSize);
        try (NDManager scratch = target.newSubManager()) {
            // Borrow the stored arrays so every intermediate attaches to the scratch manager (results attach to the
            // first operand's manager), then hand them back to storage when the scratch closes.
            packed.tempAttach(scratch);
            NDArray codes = packed.toType(DataType.INT64, false);
            NDArray high = scratch.create(HIGH).take(codes);
            NDArray low = scratch.create(LOW).take(codes);
            NDArray values = NDArrays.stack(new NDList(high, low), 1).reshape(-1);
            long padded = (long) blocks * blockSize;
            if (values.size() < padded) {
                values = values.concat(scratch.zeros(new Shape(padded - values.size())), 0);
            }
            NDArray scales = scales(scratch, blocks);
            NDArray out = values.reshape(blocks, blockSize).mul(scales.reshape(blocks, 1)).reshape(-1);
            if (padded != length) {
                out = out.get(new NDIndex().addSliceDim(0, length));
            }
            out = out.reshape(shape);
            out.attach(target);
            return out;
        }
    }

    /** The per-block float32 scales (dequantized from 8 bits when double quantized), attached to {@code target}. */
    public NDArray absmax(NDManager target) {
        int blocks = Nf4.blocks(length, blockSize);
        try (NDManager scratch = target.newSubManager()) {
            NDArray out = scales(scratch, blocks);
            out.attach(target);
            return out;
        }
    }

    private NDArray scales(NDManager scratch, int blocks) {
        if (absmax != null) {
            return scratch.zeros(new Shape(blocks)).add(absmax);
        }
        absmaxCodes.tempAttach(scratch);
        absmax2.tempAttach(scratch);
        int blocks2 = (int) absmax2.size();
        long padded = (long) blocks2 * Nf4.DOUBLE_QUANT_BLOCK_SIZE;
        NDArray q = scratch.create(Nf4.dynamicMap()).take(absmaxCodes.toType(DataType.INT64, false));
        if (q.size() < padded) {
            q = q.concat(scratch.zeros(new Shape(padded - q.size())), 0);
        }
        NDArray scaled = q.reshape(blocks2, Nf4.DOUBLE_QUANT_BLOCK_SIZE).mul(absmax2.reshape(blocks2, 1))
                .reshape(-1);
        if (padded != blocks) {
            scaled = scaled.get(new NDIndex().addSliceDim(0, blocks));
        }
        return scaled.add(offset);
    }

    /** Shape of the original weight. */
    public Shape shape() {
        return shape;
    }

    /** Number of elements. */
    public long length() {
        return length;
    }

    /** Elements per first-level block. */
    public int blockSize() {
        return blockSize;
    }

    /** Whether the block scales are double quantized. */
    public boolean doubleQuantized() {
        return absmax == null;
    }

    /** Bytes held: packed codes plus scale storage (see the class comment). */
    public long storageBytes() {
        return storageBytes;
    }

    /** Bytes of packed 4-bit codes alone: {@code ceil(n/2)}. */
    public long packedBytes() {
        return packed.size();
    }

    /** A copy of the packed codes (first element in the high nibble). */
    public byte[] packedCodes() {
        return packed.toByteArray();
    }

    @Override
    public void close() {
        storage.close();
    }

    private static NDArray bytes(NDManager manager, byte[] data) {
        return manager.create(ByteBuffer.wrap(data), new Shape(data.length), DataType.UINT8);
    }
}
