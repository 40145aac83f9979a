package dev.longtune.models.gguf;

import java.util.List;
import java.util.Objects;

/**
 * One GGUF metadata value. Integers of every width are held as {@code Long} (UINT64 as its two's-complement bit
 * pattern), FLOAT32 as {@code Float}, FLOAT64 as {@code Double}, BOOL as {@code Boolean}, STRING as {@code String}
 * and ARRAY as a {@code List} of such values, all of {@code elementType}.
 *
 * @param elementType the element type of an ARRAY, null otherwise
 */
public record GgufValue(GgufType type, Object value, GgufType elementType) {

    public GgufValue {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(value, "value");
        if (type == GgufType.ARRAY) {
            Objects.requireNonNull(elementType, "elementType");
            if (!(value instanceof List<?> l)) {
                throw new IllegalArgumentException("an ARRAY value must be a List");
            }
            for (Object o : l) {
                check(elementType, o);
            }
            value = List.copyOf(l);
        } else {
            if (elementType != null) {
                throw new IllegalArgumentException("only ARRAY values have an element type");
            }
            check(type, value);
        }
    }

    private static void check(GgufType t, Object v) {
        boolean ok = switch (t) {
            case UINT8, INT8, UINT16, INT16, UINT32, INT32, UINT64, INT64 -> v instanceof Long;
            case FLOAT32 -> v instanceof Float;
            case FLOAT64 -> v instanceof Double;
            case BOOL -> v instanceof Boolean;
            case STRING -> v instanceof String;
            case ARRAY -> v instanceof GgufValue gv && gv.type() == GgufType.ARRAY; // nested arrays
        };
        if (!ok) {
            throw new IllegalArgumentException("a " + t + " value cannot hold " + v.getClass().getSimpleName());
        }
        if (t.integer()) {
            long x = (Long) v;
            boolean inRange = switch (t) {
                case UINT8 -> x >= 0 && x <= 0xff;
                case INT8 -> x >= Byte.MIN_VALUE && x <= Byte.MAX_VALUE;
                case UINT16 -> x >= 0 && x <= 0xffff;
                case INT16 -> x >= Short.MIN_VALUE && x <= Short.MAX_VALUE;
                case UINT32 -> x >= 0 && x <= 0xffffffffL;
                case INT32 -> x >= Integer.MIN_VALUE && x <= Integer.MAX_VALUE;
                default -> true;
            };
            if (!inRange) {
                throw new IllegalArgumentException(x + " does not fit in " + t);
            }
        }
    }

    public static GgufValue uint8(int v) {
        return new GgufValue(GgufType.UINT8, (long) v, null);
    }

    public static GgufValue int8(int v) {
        return new GgufValue(GgufType.INT8, (long) v, null);
    }

    public static GgufValue uint16(int v) {
        return new GgufValue(GgufType.UINT16, (long) v, null);
    }

    public static GgufValue int16(int v) {
        return new GgufValue(GgufType.INT16, (long) v, null);
    }

    public static GgufValue uint32(long v) {
        return new GgufValue(GgufType.UINT32, v, null);
    }

    public static GgufValue int32(int v) {
        return new GgufValue(GgufType.INT32, (long) v, null);
    }

    public static GgufValue uint64(long v) {
        return new GgufValue(GgufType.UINT64, v, null);
    }

    public static GgufValue int64(long v) {
        return new GgufValue(GgufType.INT64, v, null);
    }

    public static GgufValue float32(float v) {
        return new GgufValue(GgufType.FLOAT32, v, null);
    }

    public static GgufValue float64(double v) {
        return new GgufValue(GgufType.FLOAT64, v, null);
    }

    public static GgufValue bool(boolean v) {
        return new GgufValue(GgufType.BOOL, v, null);
    }

    public static GgufValue string(String v) {
        return new GgufValue(GgufType.STRING, v, null);
    }

    /** An array of {@code elementType} values (Long, Float, Double, Boolean, String or nested array values). */
    public static GgufValue array(GgufType elementType, List<?> values) {
        return new GgufValue(GgufType.ARRAY, values, elementType);
    }

    public static GgufValue strings(List<String> values) {
        return array(GgufType.STRING, values);
    }

    public static GgufValue float32s(float[] values) {
        Float[] boxed = new Float[values.length];
        for (int i = 0; i < values.length; i++) {
            boxed[i] = values[i];
        }
        return array(GgufType.FLOAT32, List.of(boxed));
    }

    public static GgufValue int32s(int[] values) {
        Long[] boxed = new Long[values.length];
        for (int i = 0; i < values.length; i++) {
            boxed[i] = (long) values[i];
        }
        return array(GgufType.INT32, List.of(boxed));
    }

    /** The value as a long, for any integer type. */
    public long asLong() {
        if (!type.integer()) {
            throw new IllegalStateException("not an integer: " + type);
        }
        return (Long) value;
    }

    /** The value as a double, for integer and floating-point types. */
    public double asDouble() {
        if (value instanceof Number n) {
            return n.doubleValue();
        }
        throw new IllegalStateException("not a number: " + type);
    }

    public String asString() {
        if (type != GgufType.STRING) {
            throw new IllegalStateException("not a string: " + type);
        }
        return (String) value;
    }

    /** The elements of an ARRAY. */
    public List<?> asList() {
        if (type != GgufType.ARRAY) {
            throw new IllegalStateException("not an array: " + type);
        }
        return (List<?>) value;
    }

    @Override
    public String toString() {
        if (type == GgufType.ARRAY) {
            List<?> l = asList();
            return "ARRAY<" + elementType + ">[" + l.size() + "]";
        }
        return type + ":" + value;
    }
}
