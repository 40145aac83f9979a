package dev.longtune.models.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.tag.ForTag;
import com.hubspot.jinjava.objects.collections.PyList;
import com.hubspot.jinjava.tree.parse.TagToken;
import com.hubspot.jinjava.util.ObjectTruthValue;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.commons.lang3.tuple.Pair;

/**
 * Jinjava's {@code for} tag plus Jinja2's loop filter, {@code {% for x in xs if x.type == "function" %}}, which
 * Jinjava ignored (it looped over every item). The filter runs before the loop, so {@code loop.index},
 * {@code loop.length} and {@code loop.last} count only the kept items, as in Jinja2.
 */
final class HfForTag extends ForTag {

    private static final long serialVersionUID = 1L;

    /** The function the rewritten loop expression calls. */
    static final String FILTER_FUNCTION = "longtune_loop_filter";

    @Override
    public Pair<List<String>, String> getLoopVarsAndExpression(TagToken tagToken) {
        Pair<List<String>, String> plain = super.getLoopVarsAndExpression(tagToken);
        String expr = plain.getRight();
        int at = topLevelIf(expr);
        if (at < 0) {
            return plain;
        }
        String iterable = expr.substring(0, at).trim();
        String condition = expr.substring(at + 2).trim();
        return Pair.of(plain.getLeft(), FILTER_FUNCTION + "(" + iterable + ", '"
                + quote(String.join(",", plain.getLeft())) + "', '" + quote(condition) + "')");
    }

    /** Where the keyword {@code if} stands outside brackets and strings, or -1. */
    static int topLevelIf(String s) {
        int depth = 0;
        char quote = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quote != 0) {
                if (c == '\\') {
                    i++;
                } else if (c == quote) {
                    quote = 0;
                }
                continue;
            }
            switch (c) {
                case '\'', '"' -> quote = c;
                case '(', '[', '{' -> depth++;
                case ')', ']', '}' -> depth--;
                default -> {
                    if (depth == 0 && c == 'i' && s.startsWith("if", i)
                            && (i == 0 || !Character.isJavaIdentifierPart(s.charAt(i - 1)))
                            && (i + 2 == s.length() || !Character.isJavaIdentifierPart(s.charAt(i + 2)))) {
                        return i;
                    }
                }
            }
        }
        return -1;
    }

    private static String quote(String s) {
        return s.replace("\\", "\\\\").replace("'", "\\'");
    }

    /** The items of {@code items} for which {@code condition} holds with the loop variables bound. */
    @SuppressWarnings("try") // the scope is only opened and closed
    static Object filter(Object items, String vars, String condition) {
        JinjavaInterpreter interpreter = JinjavaInterpreter.getCurrent();
        List<String> names = Arrays.asList(vars.split(","));
        Iterable<?> source = items == null ? List.of()
                : items instanceof Map<?, ?> m ? m.keySet()
                : items instanceof Iterable<?> it ? it
                : items instanceof Object[] arr ? Arrays.asList(arr)
                : List.of(items);
        List<Object> kept = new ArrayList<>();
        for (Object item : source) {
            try (JinjavaInterpreter.InterpreterScopeClosable c = interpreter.enterScope()) {
                if (names.size() == 1) {
                    interpreter.getContext().put(names.get(0), item);
                } else if (item instanceof Map.Entry<?, ?> e) {
                    interpreter.getContext().put(names.get(0), e.getKey());
                    interpreter.getContext().put(names.get(1), e.getValue());
                } else if (item instanceof List<?> l) {
                    for (int i = 0; i < names.size() && i < l.size(); i++) {
                        interpreter.getContext().put(names.get(i), l.get(i));
                    }
                }
                if (ObjectTruthValue.evaluate(interpreter.resolveELExpression(condition,
                        interpreter.getLineNumber()))) {
                    kept.add(item);
                }
            }
        }
        return new PyList(kept);
    }
}
