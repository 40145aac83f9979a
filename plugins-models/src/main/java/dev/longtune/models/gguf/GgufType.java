package dev.longtune.models.gguf;

/** The metadata value types of GGUF (ggml {@code docs/gguf.md}, {@code gguf_metadata_value_type}), with their ids. */
public enum GgufType {
    UINT8(0, 1), INT8(1, 1), UINT16(2, 2), INT16(3, 2), UINT32(4, 4), INT32(5, 4), FLOAT32(6, 4), BOOL(7, 1),
    STRING(8, -1), ARRAY(9, -1), UINT64(10, 8), INT64(11, 8), FLOAT64(12, 8);

    private final int id;
    private final int size;

    GgufType(int id, int size) {
        this.id = id;
        this.size = size;
    }

    /** The id written in the file. */
    public int id() {
        return id;
    }

    /** Bytes of one value, or -1 for the variable-length STRING and ARRAY. */
    int size() {
        return size;
    }

    /** The type with {@code id}, or null when the id is not a GGUF value type. */
    public static GgufType of(long id) {
        for (GgufType t : values()) {
            if (t.id == id) {
                return t;
            }
        }
        return null;
    }

    boolean integer() {
        return this == UINT8 || this == INT8 || this == UINT16 || this == INT16 || this == UINT32 || this == INT32
                || this == UINT64 || this == INT64;
    }
}
