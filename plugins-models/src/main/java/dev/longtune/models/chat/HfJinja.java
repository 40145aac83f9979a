package dev.longtune.models.chat;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.el.TruthyTypeConverter;
import com.hubspot.jinjava.interpret.Context;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.expression.ExpressionStrategy;
import com.hubspot.jinjava.mode.ExecutionMode;
import com.hubspot.jinjava.tree.output.RenderedOutputNode;
import com.hubspot.jinjava.tree.parse.ExpressionToken;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import com.hubspot.jinjava.lib.tag.Tag;
import com.hubspot.jinjava.objects.collections.PyList;
import com.hubspot.jinjava.objects.collections.PyMap;
import com.hubspot.jinjava.objects.date.StrftimeFormatter;
import com.hubspot.jinjava.tree.Node;
import com.hubspot.jinjava.tree.TagNode;
import java.lang.reflect.Method;
import java.time.Clock;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import jinjava.de.odysseus.el.ExpressionFactoryImpl;
import jinjava.de.odysseus.el.tree.TreeStore;
import jinjava.de.odysseus.el.tree.impl.Builder;
import jinjava.de.odysseus.el.tree.impl.Cache;
import jinjava.javax.el.CompositeELResolver;
import jinjava.javax.el.ExpressionFactory;

/**
 * The one Jinjava engine behind {@link JinjaChatTemplate}, set up like transformers' chat-template sandbox
 * ({@code ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols])} plus its
 * globals and filters), and with the places where Jinjava is not Jinja2 brought in line:
 *
 * <ul>
 *   <li>{@link Jinja2Whitespace}: Jinja2's trim_blocks, lstrip_blocks and whitespace-control signs, applied to the
 *       source (Jinjava's own trimming is off);
 *   <li>legacy quirks off: natural operator precedence, whitespace control on {@code {{- -}}}, {@code for k in dict}
 *       over keys; "nested interpretation" off (it would render {@code {{ }}} found inside message text);
 *   <li>{@link HfExpressionParser}: {@code not x is defined}, {@code n+1}, {@code f(k=a|length - 1)}, slice steps;
 *   <li>{@link HfForTag}: loop filters ({@code for x in xs if cond});
 *   <li>{@link PyMethodResolver}: Python {@code str} and {@code dict} methods;
 *   <li>{@code {{ }}} prints Python's {@code str()} ({@link PythonStr}); filters {@code tojson} (transformers'),
 *       {@code string}, {@code trim}, {@code items}; tags {@code generation} and {@code filter};
 *   <li>globals {@code raise_exception} and {@code strftime_now}.
 * </ul>
 *
 * <p>Checked against Python Jinja2 on the shared Hub templates by {@code ChatJinja2ReferenceTest}.
 */
final class HfJinja {

    /** Per-render state seen by the template functions (the engine is shared; renders run on the caller's thread). */
    static final class RenderState {
        final Clock clock;
        String raised;

        RenderState(Clock clock) {
            this.clock = clock;
        }
    }

    private static final ThreadLocal<RenderState> STATE = new ThreadLocal<>();
    private static final Jinjava ENGINE = build();

    private HfJinja() {}

    static Jinjava engine() {
        return ENGINE;
    }

    static RenderState begin(Clock clock) {
        RenderState s = new RenderState(clock);
        STATE.set(s);
        return s;
    }

    static void end() {
        STATE.remove();
    }

    private static Jinjava build() {
        LegacyOverrides modern = LegacyOverrides.newBuilder()
                .withEvaluateMapKeys(true)
                .withIterateOverMapKeys(true)
                .withUsePyishObjectMapper(true)
                .withUseNaturalOperatorPrecedence(true)
                .withParseWhitespaceControlStrictly(true)
                .withAllowAdjacentTextNodes(true)
                .withUseTrimmingForNotesAndExpressions(true)
                .withKeepNullableLoopValues(true)
                .build();
        CompositeELResolver resolver = new CompositeELResolver();
        resolver.add(new PyMethodResolver());
        resolver.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_ONLY);
        JinjavaConfig config = JinjavaConfig.newBuilder()
                // trim_blocks and lstrip_blocks are done by Jinja2Whitespace, before Jinjava sees the source:
                // Jinjava's lstripBlocks strips before a tag even after text on the same line.
                .withTrimBlocks(false)
                .withLstripBlocks(false)
                .withLegacyOverrides(modern)
                .withNestedInterpretationEnabled(false)
                .withEnableRecursiveMacroCalls(true)
                .withMaxMacroRecursionDepth(64)
                .withFailOnUnknownTokens(false)
                .withLocale(Locale.ROOT)
                .withElResolver(resolver)
                .withExecutionMode(new PythonOutput())
                .build();
        Jinjava j = new HfJinjava(config);
        j.getGlobalContext().registerFunction(function("raise_exception", "raiseException", Object.class));
        j.getGlobalContext().registerFunction(function("strftime_now", "strftimeNow", String.class));
        j.getGlobalContext().registerFilter(new ToJson());
        j.getGlobalContext().registerFilter(new Items());
        j.getGlobalContext().registerFilter(new Trim());
        j.getGlobalContext().registerFilter(new PyString());
        j.getGlobalContext().registerTag(new Generation());
        j.getGlobalContext().registerTag(new FilterBlock());
        j.getGlobalContext().registerTag(new HfForTag());
        j.getGlobalContext().registerFunction(loopFilter());
        return j;
    }

    private static ELFunctionDefinition loopFilter() {
        try {
            Method m = HfForTag.class.getDeclaredMethod("filter", Object.class, String.class, String.class);
            m.setAccessible(true);
            return new ELFunctionDefinition("", HfForTag.FILTER_FUNCTION, m);
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ELFunctionDefinition function(String name, String method, Class<?>... params) {
        try {
            Method m = HfJinja.class.getDeclaredMethod(method, params);
            m.setAccessible(true);
            return new ELFunctionDefinition("", name, m);
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Sets {@link PythonStr} as the way {@code {{ ... }}} prints its value, in every render's context. */
    static final class PythonOutput implements ExecutionMode {
        @Override
        public void prepareContext(Context context) {
            context.setExpressionStrategy(new PythonStr());
        }
    }

    /**
     * {@code {{ value }}} prints Python's {@code str(value)}, as Jinja2 does: {@code True}/{@code False},
     * {@code {'a': [1, None]}}, {@code 1.0}. Jinjava printed {@code true} and its own spacing for dicts and
     * lists. An undefined value or None prints as "" (Jinjava cannot tell them apart; undefined is the common one).
     */
    static final class PythonStr implements ExpressionStrategy {
        private static final long serialVersionUID = 1L;

        @Override
        public RenderedOutputNode interpretOutput(ExpressionToken master, JinjavaInterpreter interpreter) {
            Object v = interpreter.resolveELExpression(master.getExpr(), master.getLineNumber());
            String out;
            if (v == null) {
                out = "";
            } else if (v instanceof String s) {
                out = s;
            } else if (v instanceof Boolean b) {
                out = b ? "True" : "False";
            } else if (v instanceof Map<?, ?> || v instanceof Collection<?> || v instanceof Map.Entry<?, ?>) {
                out = PyJson.repr(v);
            } else if (v instanceof Double || v instanceof Float) {
                out = PyJson.pyFloat(((Number) v).doubleValue());
            } else {
                out = interpreter.getAsString(v);
            }
            return new RenderedOutputNode(out);
        }
    }

    /** Jinjava with {@link HfExpressionParser} for expressions (Jinja2's {@code not} precedence, slice steps). */
    static final class HfJinjava extends Jinjava {
        private final ExpressionFactory expressions;

        HfJinjava(JinjavaConfig config) {
            super(config);
            // As Jinjava's own factory (JEE6 profile: method invocations, varargs), with our parser.
            expressions = new ExpressionFactoryImpl(new TreeStore(new HfExpressionParser.SyntaxBuilder(
                    Builder.Feature.METHOD_INVOCATIONS, Builder.Feature.VARARGS), new Cache(1000)),
                    new TruthyTypeConverter());
        }

        @Override
        public ExpressionFactory getExpressionFactory() {
            return expressions;
        }
    }

    /**
     * {@code raise_exception(message)}: remembers the first message for {@link JinjaChatTemplate} to report and
     * stops the current expression (Jinjava records thrown exceptions as render errors and carries on; the output of
     * a render that raised is discarded).
     */
    static Object raiseException(Object message) {
        String text = String.valueOf(message);
        RenderState s = STATE.get();
        if (s != null && s.raised == null) {
            s.raised = text;
        }
        throw new IllegalStateException("raise_exception: " + text);
    }

    /** {@code strftime_now(format)}: Python's {@code datetime.now().strftime(format)} on the render's clock. */
    static String strftimeNow(String format) {
        RenderState s = STATE.get();
        Clock clock = s != null ? s.clock : Clock.systemDefaultZone();
        return StrftimeFormatter.format(ZonedDateTime.now(clock), format, Locale.ENGLISH);
    }

    /** transformers' {@code tojson}: {@code json.dumps(x, ensure_ascii=False, indent=..., sort_keys=...)}. */
    static final class ToJson implements Filter {
        @Override
        public String getName() {
            return "tojson";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            return filter(var, interpreter, (Object[]) args, Map.of());
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            Object indent = kwargs.containsKey("indent") ? kwargs.get("indent") : args.length > 0 ? args[0] : null;
            Integer ind = indent == null ? null : indent instanceof Number n ? n.intValue()
                    : Integer.valueOf(indent.toString().trim());
            boolean ensureAscii = truthy(kwargs.get("ensure_ascii"));
            boolean sortKeys = truthy(kwargs.get("sort_keys"));
            return PyJson.dumps(var, ind, ensureAscii, sortKeys);
        }

        private static boolean truthy(Object o) {
            return o instanceof Boolean b ? b : o != null && Boolean.parseBoolean(o.toString());
        }
    }

    /** Jinja's {@code string}: Python's {@code str(x)}, so a dict or list reads {@code {'a': 1}} as in Jinja2. */
    static final class PyString implements Filter {
        @Override
        public String getName() {
            return "string";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            if (var instanceof Map<?, ?> || var instanceof Collection<?>) {
                return PyJson.repr(var);
            }
            if (var instanceof Boolean b) {
                return b ? "True" : "False";
            }
            return var == null ? "None" : var.toString();
        }
    }

    /** Jinja's {@code trim}: Python's {@code str.strip(chars)}; an undefined value trims to "" (not "null"). */
    static final class Trim implements Filter {
        @Override
        public String getName() {
            return "trim";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            if (var == null) {
                return "";
            }
            return PyMethodResolver.strip(var.toString(), args.length > 0 ? args[0] : null, true, true);
        }
    }

    /**
     * Template values as Jinjava's Python-like collections, so that printing a dict or list gives Python's repr
     * ({@code {'a': 1}}) as in Jinja2, not Java's {@code {a=1}}.
     */
    static Object py(Object v) {
        if (v instanceof PyMap || v instanceof PyList) {
            return v;
        }
        if (v instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            m.forEach((k, val) -> out.put(String.valueOf(k), py(val)));
            return new PyMap(out);
        }
        if (v instanceof Collection<?> c) {
            List<Object> out = new ArrayList<>(c.size());
            c.forEach(x -> out.add(py(x)));
            return new PyList(out);
        }
        if (v instanceof Object[] arr) {
            List<Object> out = new ArrayList<>(arr.length);
            for (Object x : arr) {
                out.add(py(x));
            }
            return new PyList(out);
        }
        return v;
    }

    /** Jinja's {@code items} filter (3.1): a mapping's (key, value) pairs. */
    static final class Items implements Filter {
        @Override
        public String getName() {
            return "items";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            if (var == null) {
                return List.of();
            }
            if (var instanceof Map<?, ?> m) {
                return new ArrayList<>(m.entrySet());
            }
            throw new IllegalArgumentException("items filter: expected a mapping, got " + var.getClass()
                    .getSimpleName());
        }
    }

    /**
     * transformers' {@code {% generation %}...{% endgeneration %}} block, which marks assistant text for
     * {@code return_assistant_tokens_mask}; rendering only needs its body.
     */
    static final class Generation implements Tag {
        private static final long serialVersionUID = 1L;

        @Override
        public String getName() {
            return "generation";
        }

        @Override
        public String interpret(TagNode tagNode, JinjavaInterpreter interpreter) {
            StringBuilder out = new StringBuilder();
            for (Node child : tagNode.getChildren()) {
                out.append(child.render(interpreter).getValue());
            }
            return out.toString();
        }
    }

    /** Jinja's {@code {% filter name(args) %}...{% endfilter %}}: the body's text through a filter. */
    static final class FilterBlock implements Tag {
        private static final long serialVersionUID = 1L;
        private static final String BODY = "__longtune_filter_body__";

        @Override
        public String getName() {
            return "filter";
        }

        @Override
        @SuppressWarnings("try") // the scope is only opened and closed
        public String interpret(TagNode tagNode, JinjavaInterpreter interpreter) {
            StringBuilder body = new StringBuilder();
            for (Node child : tagNode.getChildren()) {
                body.append(child.render(interpreter).getValue());
            }
            try (JinjavaInterpreter.InterpreterScopeClosable c = interpreter.enterScope()) {
                interpreter.getContext().put(BODY, body.toString());
                Object out = interpreter.resolveELExpression(BODY + "|" + tagNode.getHelpers().trim(),
                        tagNode.getLineNumber());
                return out == null ? "" : out.toString();
            }
        }
    }
}
