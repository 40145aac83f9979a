package dev.longtune.models.chat;

import com.hubspot.jinjava.objects.SafeString;
import java.beans.FeatureDescriptor;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;

/**
 * Python's {@code str} methods ({@code strip}, {@code startswith}, {@code split}, ...) and {@code dict.get(k,
 * default)}, {@code items()}, {@code keys()}, {@code values()} for templates written against Jinja2, where values
 * are Python objects. Jinjava would otherwise call the Java methods of the same name (Java's {@code split} takes a
 * regex) or fail on names Java lacks ({@code startswith}). Only method calls are handled; properties pass through.
 */
final class PyMethodResolver extends ELResolver {

    @Override
    public Object invoke(ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
        if (base == null || method == null) {
            return null;
        }
        String name = method.toString();
        Object[] args = params == null ? new Object[0] : params;
        Object result;
        if (base instanceof String || base instanceof SafeString) {
            result = stringMethod(base.toString(), name, args);
        } else if (base instanceof Map<?, ?> map) {
            result = mapMethod(map, name, args);
        } else {
            return null;
        }
        if (result == NOT_HANDLED) {
            return null;
        }
        context.setPropertyResolved(true);
        return result;
    }

    private static final Object NOT_HANDLED = new Object();

    private static Object mapMethod(Map<?, ?> map, String name, Object[] a) {
        switch (name) {
            case "get":
                if (a.length == 1 || a.length == 2) {
                    Object v = map.get(a[0] == null ? null : key(map, a[0]));
                    return v != null || map.containsKey(a[0]) ? v : a.length == 2 ? a[1] : null;
                }
                return NOT_HANDLED;
            case "items":
                return a.length == 0 ? new ArrayList<>(map.entrySet()) : NOT_HANDLED;
            case "keys":
                return a.length == 0 ? new ArrayList<>(map.keySet()) : NOT_HANDLED;
            case "values":
                return a.length == 0 ? new ArrayList<>(map.values()) : NOT_HANDLED;
            default:
                return NOT_HANDLED;
        }
    }

    /** Template keys are strings; a map keyed by strings is looked up with the string form of a number key. */
    private static Object key(Map<?, ?> map, Object k) {
        return map.containsKey(k) ? k : k.toString();
    }

    private static Object stringMethod(String s, String name, Object[] a) {
        switch (name) {
            case "strip":
                return strip(s, arg(a, 0), true, true);
            case "lstrip":
                return strip(s, arg(a, 0), true, false);
            case "rstrip":
                return strip(s, arg(a, 0), false, true);
            case "startswith":
                return affix(s, a, true);
            case "endswith":
                return affix(s, a, false);
            case "split":
                return split(s, arg(a, 0), a.length > 1 ? toInt(a[1]) : -1);
            case "rsplit":
                return rsplit(s, arg(a, 0), a.length > 1 ? toInt(a[1]) : -1);
            case "splitlines":
                return List.of(s.split("\r\n|\r|\n", -1)).subList(0, countLines(s));
            case "upper":
                return s.toUpperCase(Locale.ROOT);
            case "lower":
                return s.toLowerCase(Locale.ROOT);
            case "title":
                return title(s);
            case "capitalize":
                return s.isEmpty() ? s : s.substring(0, 1).toUpperCase(Locale.ROOT)
                        + s.substring(1).toLowerCase(Locale.ROOT);
            case "replace":
                return replace(s, str(a, 0), str(a, 1), a.length > 2 ? toInt(a[2]) : -1);
            case "find":
                return (long) s.indexOf(str(a, 0));
            case "rfind":
                return (long) s.lastIndexOf(str(a, 0));
            case "count":
                return count(s, str(a, 0));
            case "join":
                return join(s, a.length > 0 ? a[0] : null);
            case "removeprefix":
                return s.startsWith(str(a, 0)) ? s.substring(str(a, 0).length()) : s;
            case "removesuffix":
                return s.endsWith(str(a, 0)) ? s.substring(0, s.length() - str(a, 0).length()) : s;
            case "isspace":
                return !s.isEmpty() && s.chars().allMatch(PyMethodResolver::isSpace);
            case "isdigit":
                return !s.isEmpty() && s.chars().allMatch(Character::isDigit);
            case "isalpha":
                return !s.isEmpty() && s.chars().allMatch(Character::isLetter);
            case "isalnum":
                return !s.isEmpty() && s.chars().allMatch(Character::isLetterOrDigit);
            case "isupper":
                return s.chars().anyMatch(Character::isUpperCase) && s.chars().noneMatch(Character::isLowerCase);
            case "islower":
                return s.chars().anyMatch(Character::isLowerCase) && s.chars().noneMatch(Character::isUpperCase);
            default:
                return NOT_HANDLED;
        }
    }

    private static String arg(Object[] a, int i) {
        return a.length > i && a[i] != null ? a[i].toString() : null;
    }

    private static String str(Object[] a, int i) {
        if (a.length <= i || a[i] == null) {
            throw new IllegalArgumentException("missing string argument " + (i + 1));
        }
        return a[i].toString();
    }

    private static int toInt(Object o) {
        return o instanceof Number n ? n.intValue() : Integer.parseInt(o.toString().trim());
    }

    /** Python's str.isspace for one character. */
    static boolean isSpace(int c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c) || c == 0x85;
    }

    static String strip(String s, String chars, boolean left, boolean right) {
        int from = 0;
        int to = s.length();
        if (left) {
            while (from < to && stripped(s.charAt(from), chars)) {
                from++;
            }
        }
        if (right) {
            while (to > from && stripped(s.charAt(to - 1), chars)) {
                to--;
            }
        }
        return s.substring(from, to);
    }

    private static boolean stripped(char c, String chars) {
        return chars == null ? isSpace(c) : chars.indexOf(c) >= 0;
    }

    private static boolean affix(String s, Object[] a, boolean prefix) {
        if (a.length == 0 || a[0] == null) {
            throw new IllegalArgumentException((prefix ? "startswith" : "endswith") + " needs an argument");
        }
        Iterable<?> options = a[0] instanceof Collection<?> c ? c : List.of(a[0]);
        for (Object o : options) {
            String x = o.toString();
            if (prefix ? s.startsWith(x) : s.endsWith(x)) {
                return true;
            }
        }
        return false;
    }

    static List<String> split(String s, String sep, int maxsplit) {
        List<String> out = new ArrayList<>();
        if (sep == null) {
            int i = 0;
            int n = s.length();
            while (true) {
                while (i < n && isSpace(s.charAt(i))) {
                    i++;
                }
                if (i >= n) {
                    break;
                }
                if (maxsplit >= 0 && out.size() == maxsplit) {
                    out.add(strip(s.substring(i), null, false, true));
                    break;
                }
                int j = i;
                while (j < n && !isSpace(s.charAt(j))) {
                    j++;
                }
                out.add(s.substring(i, j));
                i = j;
            }
            return out;
        }
        if (sep.isEmpty()) {
            throw new IllegalArgumentException("empty separator");
        }
        int start = 0;
        while (maxsplit < 0 || out.size() < maxsplit) {
            int k = s.indexOf(sep, start);
            if (k < 0) {
                break;
            }
            out.add(s.substring(start, k));
            start = k + sep.length();
        }
        out.add(s.substring(start));
        return out;
    }

    static List<String> rsplit(String s, String sep, int maxsplit) {
        if (maxsplit < 0) {
            return split(s, sep, -1);
        }
        List<String> out = new ArrayList<>();
        if (sep == null) {
            int end = s.length();
            while (true) {
                while (end > 0 && isSpace(s.charAt(end - 1))) {
                    end--;
                }
                if (end == 0) {
                    break;
                }
                if (out.size() == maxsplit) {
                    out.add(0, strip(s.substring(0, end), null, true, false));
                    break;
                }
                int k = end;
                while (k > 0 && !isSpace(s.charAt(k - 1))) {
                    k--;
                }
                out.add(0, s.substring(k, end));
                end = k;
            }
            return out;
        }
        if (sep.isEmpty()) {
            throw new IllegalArgumentException("empty separator");
        }
        int end = s.length();
        while (out.size() < maxsplit) {
            int k = s.lastIndexOf(sep, end - sep.length());
            if (k < 0) {
                break;
            }
            out.add(0, s.substring(k + sep.length(), end));
            end = k;
        }
        out.add(0, s.substring(0, end));
        return out;
    }

    private static int countLines(String s) {
        if (s.isEmpty()) {
            return 0;
        }
        int parts = s.split("\r\n|\r|\n", -1).length;
        return s.endsWith("\n") || s.endsWith("\r") ? parts - 1 : parts;
    }

    private static String title(String s) {
        StringBuilder b = new StringBuilder(s.length());
        boolean prevCased = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            b.append(prevCased ? Character.toLowerCase(c) : Character.toUpperCase(c));
            prevCased = Character.isLetter(c);
        }
        return b.toString();
    }

    private static String replace(String s, String old, String with, int count) {
        if (count < 0) {
            return s.replace(old, with);
        }
        StringBuilder b = new StringBuilder();
        int start = 0;
        for (int n = 0; n < count; n++) {
            int k = s.indexOf(old, start);
            if (k < 0) {
                break;
            }
            b.append(s, start, k).append(with);
            start = k + old.length();
            if (old.isEmpty()) {
                if (start < s.length()) {
                    b.append(s.charAt(start));
                }
                start++;
                if (start > s.length()) {
                    return b.toString();
                }
            }
        }
        return b.append(s.substring(Math.min(start, s.length()))).toString();
    }

    private static long count(String s, String sub) {
        if (sub.isEmpty()) {
            return s.length() + 1L;
        }
        long n = 0;
        for (int k = s.indexOf(sub); k >= 0; k = s.indexOf(sub, k + sub.length())) {
            n++;
        }
        return n;
    }

    private static String join(String sep, Object items) {
        if (items == null) {
            throw new IllegalArgumentException("join needs an iterable");
        }
        Iterator<?> it = items instanceof Iterable<?> i ? i.iterator()
                : items instanceof Map<?, ?> m ? m.keySet().iterator()
                : items.toString().chars().mapToObj(c -> String.valueOf((char) c)).iterator();
        StringBuilder b = new StringBuilder();
        boolean first = true;
        while (it.hasNext()) {
            if (!first) {
                b.append(sep);
            }
            b.append(it.next());
            first = false;
        }
        return b.toString();
    }

    @Override
    public Object getValue(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public Class<?> getType(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public void setValue(ELContext context, Object base, Object property, Object value) {
        // not handled here
    }

    @Override
    public boolean isReadOnly(ELContext context, Object base, Object property) {
        return true;
    }

    @Override
    public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
        return null;
    }

    @Override
    public Class<?> getCommonPropertyType(ELContext context, Object base) {
        return null;
    }
}
