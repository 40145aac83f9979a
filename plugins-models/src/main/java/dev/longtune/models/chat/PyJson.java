package dev.longtune.models.chat;

import com.hubspot.jinjava.objects.SafeString;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The text Python's {@code json.dumps(x, ensure_ascii=..., indent=..., sort_keys=...)} gives for template values
 * (maps, lists, strings, numbers, booleans, null): {@code ", "} and {@code ": "} separators without indent,
 * {@code ","} and newlines with it, key order kept unless sorted.
 */
final class PyJson {

    private PyJson() {}

    static String dumps(Object value, Integer indent, boolean ensureAscii, boolean sortKeys) {
        StringBuilder b = new StringBuilder();
        write(b, value, indent, 0, ensureAscii, sortKeys);
        return b.toString();
    }

    private static void write(StringBuilder b, Object v, Integer indent, int depth, boolean ascii, boolean sort) {
        if (v == null) {
            b.append("null");
        } else if (v instanceof Boolean bool) {
            b.append(bool ? "true" : "false");
        } else if (v instanceof Double || v instanceof Float) {
            b.append(pyFloat(((Number) v).doubleValue()));
        } else if (v instanceof BigDecimal d) {
            b.append(pyFloat(d.doubleValue()));
        } else if (v instanceof Number n) {
            b.append(n instanceof BigInteger ? n.toString() : Long.toString(n.longValue()));
        } else if (v instanceof Map<?, ?> m) {
            if (m.isEmpty()) {
                b.append("{}");
                return;
            }
            Map<?, ?> entries = sort ? new TreeMap<>(stringKeys(m)) : m;
            b.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : entries.entrySet()) {
                b.append(first ? "" : indent == null ? ", " : ",");
                newline(b, indent, depth + 1);
                string(b, String.valueOf(e.getKey()), ascii);
                b.append(": ");
                write(b, e.getValue(), indent, depth + 1, ascii, sort);
                first = false;
            }
            newline(b, indent, depth);
            b.append('}');
        } else if (v instanceof Collection<?> || v instanceof Object[]) {
            Collection<?> c = v instanceof Collection<?> col ? col : List.of((Object[]) v);
            if (c.isEmpty()) {
                b.append("[]");
                return;
            }
            b.append('[');
            boolean first = true;
            for (Object o : c) {
                b.append(first ? "" : indent == null ? ", " : ",");
                newline(b, indent, depth + 1);
                write(b, o, indent, depth + 1, ascii, sort);
                first = false;
            }
            newline(b, indent, depth);
            b.append(']');
        } else if (v instanceof Map.Entry<?, ?> e) { // a pair from items(): a Python tuple
            List<Object> pair = new ArrayList<>(2);
            pair.add(e.getKey());
            pair.add(e.getValue());
            write(b, pair, indent, depth, ascii, sort);
        } else if (v instanceof CharSequence || v instanceof SafeString || v instanceof Character) {
            string(b, v.toString(), ascii);
        } else {
            string(b, v.toString(), ascii);
        }
    }

    /** Python's {@code repr}/{@code str} of a dict or list: {@code {'a': [1, True, None]}}. */
    static String repr(Object v) {
        StringBuilder b = new StringBuilder();
        repr(b, v);
        return b.toString();
    }

    private static void repr(StringBuilder b, Object v) {
        if (v == null) {
            b.append("None");
        } else if (v instanceof Boolean bool) {
            b.append(bool ? "True" : "False");
        } else if (v instanceof Double || v instanceof Float || v instanceof BigDecimal) {
            b.append(pyFloat(((Number) v).doubleValue()));
        } else if (v instanceof Number n) {
            b.append(n instanceof BigInteger ? n.toString() : Long.toString(n.longValue()));
        } else if (v instanceof Map<?, ?> m) {
            b.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                b.append(first ? "" : ", ");
                repr(b, e.getKey());
                b.append(": ");
                repr(b, e.getValue());
                first = false;
            }
            b.append('}');
        } else if (v instanceof Collection<?> || v instanceof Object[]) {
            Collection<?> c = v instanceof Collection<?> col ? col : List.of((Object[]) v);
            b.append('[');
            boolean first = true;
            for (Object o : c) {
                b.append(first ? "" : ", ");
                repr(b, o);
                first = false;
            }
            b.append(']');
        } else if (v instanceof Map.Entry<?, ?> e) {
            b.append('(');
            repr(b, e.getKey());
            b.append(", ");
            repr(b, e.getValue());
            b.append(')');
        } else {
            String s = v.toString();
            char q = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
            b.append(q);
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c == q || c == '\\') {
                    b.append('\\').append(c);
                } else if (c == '\n') {
                    b.append("\\n");
                } else if (c == '\r') {
                    b.append("\\r");
                } else if (c == '\t') {
                    b.append("\\t");
                } else if (c < 0x20 || c == 0x7f) {
                    b.append(String.format("\\x%02x", (int) c));
                } else {
                    b.append(c);
                }
            }
            b.append(q);
        }
    }

    private static Map<String, Object> stringKeys(Map<?, ?> m) {
        Map<String, Object> out = new TreeMap<>();
        m.forEach((k, val) -> out.put(String.valueOf(k), val));
        return out;
    }

    private static void newline(StringBuilder b, Integer indent, int depth) {
        if (indent != null) {
            b.append('\n').append(" ".repeat(Math.max(0, indent) * depth));
        }
    }

    /** Python's float repr: shortest round-trip digits, "1.0" not "1", exponents as "1e-05". */
    static String pyFloat(double d) {
        if (Double.isNaN(d)) {
            return "NaN";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "Infinity" : "-Infinity";
        }
        if (d == Math.rint(d) && Math.abs(d) < 1e16) {
            return new BigDecimal(d).toPlainString() + ".0";
        }
        BigDecimal bd = new BigDecimal(Double.toString(d)).stripTrailingZeros();
        int exponent = bd.precision() - bd.scale() - 1;
        if (exponent < -4 || exponent >= 16) {
            String digits = bd.unscaledValue().abs().toString();
            String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
            return (d < 0 ? "-" : "") + mantissa + "e" + (exponent < 0 ? "-" : "+")
                    + String.format("%02d", Math.abs(exponent));
        }
        return bd.toPlainString();
    }

    private static void string(StringBuilder b, String s, boolean ascii) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                case '\b' -> b.append("\\b");
                case '\f' -> b.append("\\f");
                default -> {
                    if (c < 0x20 || ascii && c > 0x7e) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
    }
}
