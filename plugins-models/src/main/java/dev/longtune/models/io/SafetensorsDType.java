package dev.longtune.models.io;

import java.util.Map;

/** The element types a safetensors header may name, with their sizes; only F32, F16 and BF16 can be read. */
public enum SafetensorsDType {
    F64(8), F32(4), F16(2), BF16(2), I64(8), I32(4), I16(2), I8(1), U8(1), BOOL(1), F8_E4M3(1), F8_E5M2(1);

    private static final Map<String, SafetensorsDType> BY_NAME = Map.ofEntries(
            Map.entry("F64", F64), Map.entry("F32", F32), Map.entry("F16", F16), Map.entry("BF16", BF16),
            Map.entry("I64", I64), Map.entry("I32", I32), Map.entry("I16", I16), Map.entry("I8", I8),
            Map.entry("U8", U8), Map.entry("BOOL", BOOL), Map.entry("F8_E4M3", F8_E4M3),
            Map.entry("F8_E5M2", F8_E5M2));

    private final int size;

    SafetensorsDType(int size) {
        this.size = size;
    }

    /** Bytes per element. */
    public int size() {
        return size;
    }

    /** The type named {@code name} in a header, or null when the name is not a safetensors dtype at all. */
    public static SafetensorsDType of(String name) {
        return name == null ? null : BY_NAME.get(name);
    }

    /** Whether {@link SafetensorsReader} can turn tensors of this type into floating-point NDArrays. */
    public boolean readable() {
        return this == F32 || this == F16 || this == BF16;
    }
}
