package dev.longtune.training.quant;

import java.util.Arrays;

/**
 * Blockwise 4-bit NormalFloat (NF4) quantization and double quantization of the block scales, as bitsandbytes does it
 * for QLoRA (numerics spec D.5; bitsandbytes {@code functional.py}, {@code backends/default/ops.py},
 * {@code csrc/kernels.cu}). Pure Java on {@code float[]}; {@link Nf4Tensor} holds the result as NDArrays.
 *
 * <p>Quantize: split the flattened weight into blocks ({@value #DEFAULT_BLOCK_SIZE} by default; a final partial block
 * gets its own scale), {@code absmax = max|x|}, {@code xs = clamp(x · (1/absmax), −1, 1)} (multiplication by the
 * float reciprocal, as both bitsandbytes kernels do), code index = number of the 15 {@link #midpoints()} strictly
 * below xs (a value exactly on a midpoint goes to the lower code, like the CUDA {@code dQuantizeNF4} tree), two codes
 * per byte with the <b>first element in the high nibble</b>. Dequantize: {@code code[idx] · absmax} in float32.
 *
 * <p>Double quantization ({@code bnb_4bit_use_double_quant}): {@code offset = mean(absmax)}, then
 * {@code absmax − offset} is quantized blockwise to 8 bits with block {@value #DOUBLE_QUANT_BLOCK_SIZE} against
 * {@link #dynamicMap()} (nearest code, ties to the lower index, like bitsandbytes' {@code argmin}); it dequantizes
 * as {@code dynamicMap[q] · absmax2 + offset}.
 *
 * <p>An all-zero block has absmax 0 and scaled values NaN; like bitsandbytes it stores index 0 and dequantizes to 0.
 */
public final class Nf4 {

    /** bitsandbytes' and QLoRA's default block size. */
    public static final int DEFAULT_BLOCK_SIZE = 64;
    /** Smallest allowed block size. */
    public static final int MIN_BLOCK_SIZE = 32;
    /** Largest allowed block size. */
    public static final int MAX_BLOCK_SIZE = 4096;
    /** Block size of the second-level (absmax) quantization. */
    public static final int DOUBLE_QUANT_BLOCK_SIZE = 256;

    /** The NF4 code book, index 0–15 (bitsandbytes {@code get_4bit_type("nf4")}). */
    private static final float[] CODE = {
        -1.0f, -0.6961928009986877f, -0.5250730514526367f, -0.39491748809814453f, -0.28444138169288635f,
        -0.18477343022823334f, -0.09105003625154495f, 0.0f, 0.07958029955625534f, 0.16093020141124725f,
        0.24611230194568634f, 0.33791524171829224f, 0.44070982933044434f, 0.5626170039176941f,
        0.7229568362236023f, 1.0f
    };

    /** Decision thresholds: the midpoints of neighbouring codes (the CUDA kernel's literals). */
    private static final float[] MIDPOINTS = new float[15];

    /** The signed 8-bit dynamic map, bitsandbytes {@code create_dynamic_map(signed=True)}. */
    private static final float[] DYNAMIC = createDynamicMap(true, 7, 8);

    static {
        for (int i = 0; i < 15; i++) {
            MIDPOINTS[i] = (float) (((double) CODE[i] + CODE[i + 1]) / 2);
        }
    }

    private Nf4() {}

    /** A copy of the 16 NF4 code values, ascending. */
    public static float[] codeBook() {
        return CODE.clone();
    }

    /** A copy of the 15 decision thresholds, ascending. */
    public static float[] midpoints() {
        return MIDPOINTS.clone();
    }

    /** A copy of the 256-entry signed dynamic map used for double quantization, ascending. */
    public static float[] dynamicMap() {
        return DYNAMIC.clone();
    }

    /**
     * Half of the widest gap between neighbouring codes (0.5 · (1 − 0.6961928) ≈ 0.1519, between −1 and the next
     * code): the largest error, in units of the block's absmax, that rounding to the nearest code can make.
     */
    public static double maxRoundingError() {
        double widest = 0;
        for (int i = 0; i < 15; i++) {
            widest = Math.max(widest, (double) CODE[i + 1] - CODE[i]);
        }
        return widest / 2;
    }

    /** Throws unless {@code blockSize} is a power of two in [{@value #MIN_BLOCK_SIZE}, {@value #MAX_BLOCK_SIZE}]. */
    public static void checkBlockSize(int blockSize) {
        if (blockSize < MIN_BLOCK_SIZE || blockSize > MAX_BLOCK_SIZE || Integer.bitCount(blockSize) != 1) {
            throw new IllegalArgumentException("NF4 block size must be a power of two from " + MIN_BLOCK_SIZE
                    + " to " + MAX_BLOCK_SIZE + ", got " + blockSize);
        }
    }

    /** The NF4 index of a value already scaled to [−1, 1] (NaN gives 0, as in bitsandbytes). */
    public static int index(float scaled) {
        int idx = 0;
        while (idx < 15 && scaled > MIDPOINTS[idx]) {
            idx++;
        }
        return idx;
    }

    /** Number of blocks covering {@code n} values. */
    public static int blocks(long n, int blockSize) {
        return Math.toIntExact((n + blockSize - 1) / blockSize);
    }

    /**
     * Quantizes {@code values} blockwise.
     *
     * @return packed codes ({@code ceil(n/2)} bytes; an odd last element is paired with index 0 in the low nibble)
     *     and one float32 absmax per block
     */
    public static Quantized quantize(float[] values, int blockSize) {
        checkBlockSize(blockSize);
        int n = values.length;
        int nb = blocks(n, blockSize);
        float[] absmax = new float[nb];
        byte[] packed = new byte[(n + 1) / 2];
        for (int b = 0; b < nb; b++) {
            int from = b * blockSize;
            int to = Math.min(n, from + blockSize);
            float max = 0;
            for (int i = from; i < to; i++) {
                max = Math.max(max, Math.abs(values[i]));
            }
            absmax[b] = max;
            float inv = 1f / max;
            for (int i = from; i < to; i++) {
                float xs = Math.min(1f, Math.max(-1f, values[i] * inv));
                int idx = index(xs);
                packed[i >> 1] |= (byte) ((i & 1) == 0 ? idx << 4 : idx);
            }
        }
        return new Quantized(packed, absmax, blockSize, n);
    }

    /** The code index of element {@code i} of packed data. */
    public static int unpack(byte[] packed, long i) {
        int v = packed[Math.toIntExact(i >> 1)] & 0xff;
        return (i & 1) == 0 ? v >>> 4 : v & 0x0f;
    }

    /** {@code code[idx] · absmax} in float32 for the first {@code n} elements. */
    public static float[] dequantize(byte[] packed, float[] absmax, int blockSize, int n) {
        checkBlockSize(blockSize);
        if (packed.length < (n + 1) / 2 || absmax.length < blocks(n, blockSize)) {
            throw new IllegalArgumentException("packed data or absmax too short for " + n + " values");
        }
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = CODE[unpack(packed, i)] * absmax[i / blockSize];
        }
        return out;
    }

    /** Double quantization of a block-scale vector (spec D.5). */
    public static DoubleQuantized doubleQuantize(float[] absmax) {
        double sum = 0;
        for (float a : absmax) {
            sum += a;
        }
        float offset = absmax.length == 0 ? 0f : (float) (sum / absmax.length);
        float[] centred = new float[absmax.length];
        for (int i = 0; i < absmax.length; i++) {
            centred[i] = absmax[i] - offset;
        }
        int nb = blocks(absmax.length, DOUBLE_QUANT_BLOCK_SIZE);
        float[] absmax2 = new float[nb];
        byte[] codes = new byte[absmax.length];
        for (int b = 0; b < nb; b++) {
            int from = b * DOUBLE_QUANT_BLOCK_SIZE;
            int to = Math.min(absmax.length, from + DOUBLE_QUANT_BLOCK_SIZE);
            float max = 0;
            for (int i = from; i < to; i++) {
                max = Math.max(max, Math.abs(centred[i]));
            }
            absmax2[b] = max;
            float inv = 1f / max;
            for (int i = from; i < to; i++) {
                codes[i] = (byte) nearestDynamic(Math.min(1f, Math.max(-1f, centred[i] * inv)));
            }
        }
        return new DoubleQuantized(codes, absmax2, offset);
    }

    /** {@code dynamicMap[q] · absmax2 + offset}, in float32. */
    public static float[] dequantizeAbsmax(DoubleQuantized dq) {
        float[] out = new float[dq.codes().length];
        for (int i = 0; i < out.length; i++) {
            out[i] = DYNAMIC[dq.codes()[i] & 0xff] * dq.absmax2()[i / DOUBLE_QUANT_BLOCK_SIZE] + dq.offset();
        }
        return out;
    }

    /** Index of the dynamic-map entry nearest to {@code x} (ties to the lower index; NaN gives 0). */
    static int nearestDynamic(float x) {
        if (Float.isNaN(x)) {
            return 0;
        }
        int hi = Arrays.binarySearch(DYNAMIC, x);
        if (hi >= 0) {
            while (hi > 0 && DYNAMIC[hi - 1] == x) {
                hi--;
            }
            return hi;
        }
        hi = -hi - 1; // first entry > x
        if (hi == 0) {
            return 0;
        }
        if (hi == DYNAMIC.length) {
            return DYNAMIC.length - 1;
        }
        float below = Math.abs(x - DYNAMIC[hi - 1]);
        float above = Math.abs(DYNAMIC[hi] - x);
        return below <= above ? hi - 1 : hi;
    }

    /**
     * bitsandbytes' dynamic (exponent + fraction) 8-bit map, reimplemented from its {@code create_dynamic_map}
     * description (Dettmers 2015, "8-Bit Approximations for Parallelism in Deep Learning"): for each exponent step
     * {@code i = 0 … maxExponentBits−1}, {@code 2^(i + nonSignBits − maxExponentBits) + 1} boundaries (signed; one
     * more power of two unsigned) spaced evenly over [0.1, 1], the means of neighbouring boundaries scaled by
     * {@code 10^(i − (maxExponentBits − 1))}, with both signs when signed; then
     * {@code 2^(nonSignBits − maxExponentBits) − 1} extra means at the last scale, 0 and 1.0; padded with zeros to
     * 256 and sorted. The arithmetic is float32 as in torch ({@code linspace}, the mean, the scaling).
     * Checked against all 256 entries of the published table.
     */
    static float[] createDynamicMap(boolean signed, int maxExponentBits, int totalBits) {
        float[] data = new float[256];
        int k = 0;
        int nonSignBits = totalBits - 1; // bitsandbytes: total_bits - (1 if signed else 1)
        int additionalItems = (1 << (nonSignBits - maxExponentBits)) - 1;
        int i = 0;
        for (i = 0; i < maxExponentBits; i++) {
            int fractionItems = signed
                    ? (1 << (i + nonSignBits - maxExponentBits)) + 1
                    : (1 << (i + nonSignBits - maxExponentBits + 1)) + 1;
            float scale = powerOfTen(-(maxExponentBits - 1) + i);
            for (float mean : means(fractionItems)) {
                data[k++] = scale * mean;
                if (signed) {
                    data[k++] = -scale * mean;
                }
            }
        }
        if (additionalItems > 0) {
            float scale = powerOfTen(-(maxExponentBits - 1) + i - 1);
            for (float mean : means(additionalItems + 1)) {
                data[k++] = scale * mean;
                if (signed) {
                    data[k++] = -scale * mean;
                }
            }
        }
        data[k++] = 0f;
        data[k++] = 1.0f;
        if (k != 1 << totalBits) {
            throw new IllegalStateException("dynamic map has " + k + " values, expected " + (1 << totalBits));
        }
        // the remaining entries (totalBits < 8) stay 0
        Arrays.sort(data);
        return data;
    }

    /** {@code 10^e} as Python's {@code 10 ** e} (correctly rounded double), then float32 as torch casts it. */
    private static float powerOfTen(int e) {
        return (float) Double.parseDouble("1e" + e);
    }

    /**
     * Means of neighbouring points of float32 {@code torch.linspace(0.1, 1, steps)}. Torch's CPU kernel computes
     * {@code start + step·k} for the first half and {@code end − step·(steps−1−k)} for the second, and its build
     * contracts these to fused multiply-adds (one rounding); emulating that reproduces all 256 published entries of
     * the map, whereas separately rounded products leave dozens one ulp off.
     */
    private static float[] means(int steps) {
        float start = 0.1f;
        float end = 1f;
        float step = (end - start) / (steps - 1);
        float[] b = new float[steps];
        int halfway = steps / 2;
        for (int j = 0; j < steps; j++) {
            b[j] = j < halfway ? Math.fma(step, (float) j, start) : Math.fma(-step, (float) (steps - j - 1), end);
        }
        float[] m = new float[steps - 1];
        for (int j = 0; j < steps - 1; j++) {
            m[j] = (b[j] + b[j + 1]) / 2f;
        }
        return m;
    }

    /**
     * NF4 codes of a flattened tensor.
     *
     * @param packed two codes per byte, first element in the high nibble
     * @param absmax one float32 scale per block
     * @param blockSize elements per block
     * @param length number of elements
     */
    public record Quantized(byte[] packed, float[] absmax, int blockSize, long length) {}

    /**
     * Double-quantized block scales.
     *
     * @param codes one 8-bit dynamic-map index per first-level block
     * @param absmax2 one float32 scale per {@value #DOUBLE_QUANT_BLOCK_SIZE} codes
     * @param offset the mean of the original scales
     */
    public record DoubleQuantized(byte[] codes, float[] absmax2, float offset) {}
}
