package dev.longtune.models.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.longtune.api.ChatMessage;
import dev.longtune.api.LongtuneException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The Jinja dialect of Hugging Face chat templates: transformers' globals and filters, Jinja2 semantics. */
class JinjaChatTemplateTest {

    private static final List<ChatMessage> HI = List.of(ChatMessage.user("Hi"));

    private static String render(String template) {
        return render(template, Map.of());
    }

    private static String render(String template, Map<String, ?> vars) {
        return new JinjaChatTemplate(template, "<s>", "</s>", "test template").withVariables(vars).render(HI, true);
    }

    @Test
    void hfVariablesAreBound() {
        assertEquals("<s>|</s>|True|user:Hi", render(
                "{{ bos_token }}|{{ eos_token }}|{{ add_generation_prompt | string }}|"
                        + "{% for m in messages %}{{ m.role }}:{{ m['content'] }}{% endfor %}"));
        assertEquals("no", new JinjaChatTemplate("{% if add_generation_prompt %}yes{% else %}no{% endif %}",
                null, null, "t").render(HI, false));
    }

    @Test
    void trimBlocksAndLstripBlocksAsInTransformers() {
        // transformers renders with trim_blocks and lstrip_blocks: a block tag eats its own line.
        assertEquals("a\nb\n", render("{% if true %}\n    a\n{% endif %}\n    {% if true %}\nb\n{% endif %}\n")
                .replace("    ", ""));
        assertEquals("x", render("  {%- if true -%}  x  {%- endif %}"));
        assertEquals("ab", render("{{- 'a' }}\n   {{- 'b' -}}\n  "));
    }

    @Test
    void raiseExceptionIsALongtuneExceptionNamingTheSource() {
        LongtuneException e = assertThrows(LongtuneException.class,
                () -> render("before{{ raise_exception('nope: ' + messages[0].role) }}after"));
        assertTrue(e.getMessage().contains("nope: user"), e.getMessage());
        assertTrue(e.getMessage().contains("test template"), e.getMessage());
        LongtuneException inIf = assertThrows(LongtuneException.class,
                () -> render("{% if messages|length < 2 %}{{ raise_exception('too short') }}{% endif %}"));
        assertTrue(inIf.getMessage().contains("too short"), inIf.getMessage());
    }

    @Test
    void syntaxErrorsAreLongtuneExceptions() {
        LongtuneException e = assertThrows(LongtuneException.class, () -> render("{{ (1 + }}"));
        assertTrue(e.getMessage().contains("test template"), e.getMessage());
        LongtuneException unknownTag = assertThrows(LongtuneException.class, () -> render("{% frobnicate %}"));
        assertTrue(unknownTag.getMessage().contains("frobnicate"), unknownTag.getMessage());
    }

    @Test
    void jinja2ExpressionRulesJinjavaGetsWrong() {
        // "not" is looser than tests and comparisons.
        assertEquals("yes|yes|no", render("{% if not date_string is defined %}yes{% endif %}|"
                + "{% if not 1 == 2 %}yes{% endif %}|{% if not false and false %}yes{% else %}no{% endif %}"));
        assertEquals("", render("{% if not date_string is defined %}yes{% endif %}", Map.of("date_string", "x")));
        // Slices with a step, Python's bounds.
        assertEquals("[4, 3, 2, 1]|bdf|[2, 3]|[3, 1]|[]", render("{{ [1, 2, 3, 4][::-1] }}|{{ 'abcdef'[1::2] }}|"
                + "{{ [1, 2, 3][-2:] }}|{{ [1, 2, 3][::-2] }}|{{ [1, 2, 3][5:1:1] }}"));
        // n+1 without spaces is addition; a keyword argument's value is a whole expression.
        assertEquals("[1, 2]|[3]|2|0", render("{% set ns = namespace(i=messages|length - 1) %}{% set n = 1 %}"
                + "{{ [1, 2, 3][:n+1] }}|{{ [1, 2, 3][n+1:] }}|{{ n+1 }}|{{ ns.i }}"));
        // Loop filters count only the kept items.
        assertEquals("3:1/2,4:2/2|b", render("{% for x in [1, 2, 3, 4] if x > 2 %}{{ x }}:{{ loop.index }}/"
                + "{{ loop.length }}{% if not loop.last %},{% endif %}{% endfor %}|"
                + "{% for k, v in {'a': 1, 'b': 2} | items if v > 1 %}{{ k }}{% endfor %}"));
    }

    @Test
    void pythonStrOfValues() {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("a", java.util.Arrays.asList(1, true, null));
        d.put("b", "it's");
        assertEquals("{'a': [1, True, None], 'b': \"it's\"}|True|None|x",
                render("{{ d | string }}|{{ true | string }}|{{ none | string }}|{{ 'x' | string }}",
                        Map.of("d", d)));
        assertEquals("[]", render("[{{ missing | trim }}]"));
        // {{ }} prints str(value) as Jinja2 does.
        assertEquals("True|False|{'a': [1, True]}|[('a', 2), ('b', 1)]|1.0|2.5|3||x",
                render("{{ true }}|{{ 1 > 2 }}|{{ {'a': [1, true]} }}|{{ {'b': 1, 'a': 2} | dictsort }}|{{ 1.0 }}|"
                        + "{{ 1 + 1.5 }}|{{ 7 // 2 }}|{{ none }}{{ missing }}|{{ 'x' }}"));
    }

    @Test
    void strftimeNowReadsTheTemplatesClock() {
        JinjaChatTemplate t = new JinjaChatTemplate("{{ strftime_now('%d %b %Y') }}|{{ strftime_now('%Y-%m-%d') }}|"
                + "{{ strftime_now('%B %d, %Y') }}|{% if strftime_now is defined %}True{% endif %}", null, null, "t")
                .withClock(Clock.fixed(Instant.parse("2025-03-05T10:15:00Z"), ZoneOffset.UTC));
        assertEquals("05 Mar 2025|2025-03-05|March 05, 2025|True", t.render(HI, false));
    }

    @Test
    void tojsonIsPythonsJsonDumps() {
        Map<String, Object> tool = new LinkedHashMap<>();
        tool.put("name", "get_weather");
        tool.put("required", List.of("city", "unit"));
        tool.put("strict", true);
        tool.put("temp", 1.5);
        tool.put("n", 3);
        tool.put("note", "é \"q\"\n");
        tool.put("none", null);
        tool.put("empty", Map.of());
        assertEquals("{\"name\": \"get_weather\", \"required\": [\"city\", \"unit\"], \"strict\": true, "
                + "\"temp\": 1.5, \"n\": 3, \"note\": \"é \\\"q\\\"\\n\", \"none\": null, \"empty\": {}}",
                render("{{ tool | tojson }}", Map.of("tool", tool)));
        assertEquals("{\n  \"a\": [\n    1,\n    2\n  ]\n}",
                render("{{ x | tojson(indent=2) }}", Map.of("x", Map.of("a", List.of(1, 2)))));
        assertEquals("\"\\u00e9\"", render("{{ 'é' | tojson(ensure_ascii=true) }}"));
        assertEquals("{\"a\": 1, \"b\": 2}", render("{{ x | tojson(sort_keys=true) }}",
                Map.of("x", ordered("b", 2, "a", 1))));
    }

    @Test
    void pythonStringAndDictMethods() {
        assertEquals("[a b]|True|False|True|x,y|3|Ab Cd|a-b-c|ab|b c|c", render(
                "[{{ '  a b \\n'.strip() }}]|{{ 'abc'.startswith('ab') | string }}|{{ 'abc'.endswith('x') | string }}|"
                        + "{{ 'abc'.startswith(['x', 'a']) | string }}|{{ '  x  y '.split() | join(',') }}|"
                        + "{{ 'a,b,,c'.split(',') | length + -1 }}|{{ 'ab cD'.title() }}|"
                        + "{{ '-'.join(['a', 'b', 'c']) }}|{{ 'xxabxx'.strip('x') }}|"
                        + "{{ 'a b c'.split(' ', 1)[1] }}|{{ 'a</think>b</think>c'.split('</think>')[-1] }}"));
        assertEquals("1|dflt|None|a=1,b=2", render(
                "{{ d.get('a') }}|{{ d.get('zz', 'dflt') }}|{{ d.get('zz') | string }}|"
                        + "{% for k, v in d.items() %}{{ k }}={{ v }}{% if not loop.last %},{% endif %}{% endfor %}",
                Map.of("d", ordered("a", 1, "b", 2))));
        assertEquals("a=1;", render("{% for k, v in d | items %}{{ k }}={{ v }};{% endfor %}",
                Map.of("d", Map.of("a", 1))));
    }

    @Test
    void namespaceLoopControlsSlicesAndFilterBlocks() {
        assertEquals("2|ab|b|XY|3", render(
                "{% set ns = namespace(n=0) %}{% for i in [1, 2, 3, 4] %}{% if i == 3 %}{% break %}{% endif %}"
                        + "{% set ns.n = ns.n + 1 %}{% endfor %}{{ ns.n }}|"
                        + "{% for c in ['a', 'x', 'b'] %}{% if c == 'x' %}{% continue %}{% endif %}{{ c }}{% endfor %}"
                        + "|{{ ['a', 'b', 'c'][1:2] | join }}|{% filter upper %}xy{% endfilter %}|"
                        + "{% generation %}{{ 1 + 2 }}{% endgeneration %}"));
    }

    @Test
    void messageTextIsNotInterpretedAsTemplate() {
        JinjaChatTemplate t = new JinjaChatTemplate("{{ messages[0].content }}", null, null, "t");
        assertEquals("{{ 7 * 7 }} {% if %}", t.render(List.of(ChatMessage.user("{{ 7 * 7 }} {% if %}")), false));
    }

    @Test
    void undefinedValuesAreFalsyAndEmpty() {
        assertEquals("[]|no|yes", render("[{{ nothing }}]|{% if tools %}yes{% else %}no{% endif %}|"
                + "{% if tools is not defined %}yes{% endif %}"));
        assertEquals("yes", render("{% if tools is defined and tools is not none %}yes{% endif %}",
                Map.of("tools", List.of())));
    }

    /** An insertion-ordered map (Map.of's iteration order is randomised per JVM, so it cannot seed an order). */
    private static Map<String, Object> ordered(Object... keyValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            m.put((String) keyValues[i], keyValues[i + 1]);
        }
        return m;
    }
}
