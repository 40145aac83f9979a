package dev.longtune.models.gguf;

/**
 * The ggml tensor types Longtune writes and reads: {@code F32} (id 0) and {@code F16} (id 1, IEEE binary16).
 * Quantized types are recognised by id in error messages only.
 */
public enum GgufTensorType {
    F32(0, 4), F16(1, 2);

    private final int id;
    private final int bytes;

    GgufTensorType(int id, int bytes) {
        this.id = id;
        this.bytes = bytes;
    }

    /** The ggml type id written in a tensor info. */
    public int id() {
        return id;
    }

    /** Bytes per element. */
    public int bytesPerElement() {
        return bytes;
    }

    /** The type with ggml id {@code id}, or null when Longtune cannot read it (quantized or unknown). */
    public static GgufTensorType of(long id) {
        return id == 0 ? F32 : id == 1 ? F16 : null;
    }

    /** A readable name for any ggml type id (for error messages). */
    static String describe(long id) {
        String[] names = {"F32", "F16", "Q4_0", "Q4_1", "Q4_2", "Q4_3", "Q5_0", "Q5_1", "Q8_0", "Q8_1", "Q2_K",
            "Q3_K", "Q4_K", "Q5_K", "Q6_K", "Q8_K", "IQ2_XXS", "IQ2_XS", "IQ3_XXS", "IQ1_S", "IQ4_NL", "IQ3_S",
            "IQ2_S", "IQ4_XS", "I8", "I16", "I32", "I64", "F64", "IQ1_M", "BF16"};
        return id >= 0 && id < names.length ? names[(int) id] + " (ggml type " + id + ")" : "ggml type " + id;
    }
}
