package dev.longtune.models.chat;

import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import dev.longtune.api.ChatMessage;
import dev.longtune.api.ChatTemplate;
import dev.longtune.api.LongtuneException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A chat template written in Jinja, rendered the way Hugging Face's {@code apply_chat_template} renders
 * {@code tokenizer_config.json}'s {@code chat_template}: with a real Jinja engine (Jinjava, from Maven Central)
 * configured like transformers' sandbox ({@code trim_blocks}, {@code lstrip_blocks}, loop controls,
 * {@code namespace}) and with the helpers transformers adds:
 *
 * <ul>
 *   <li>variables {@code messages} (list of {@code {role, content}} maps), {@code add_generation_prompt},
 *       {@code bos_token}, {@code eos_token} and any extra variables given with {@link #withVariables} (e.g.
 *       {@code tools}, {@code documents}, {@code date_string}, other special tokens);
 *   <li>{@code raise_exception(msg)}, which fails the render with a {@link LongtuneException} naming
 *       {@link #source()}; template syntax errors fail the same way;
 *   <li>{@code strftime_now(fmt)} on the template's {@link Clock} (see {@link #withClock}, for reproducible
 *       renders);
 *   <li>{@code tojson} as transformers' ({@code json.dumps}: ", " and ": " separators, non-ASCII kept,
 *       {@code indent=}), the {@code items} filter, the {@code {% generation %}} block;
 *   <li>Python semantics where Jinjava differs from Jinja2: {@code str}/{@code dict} methods ({@code strip},
 *       {@code startswith}, {@code split}, {@code get(k, default)}, ...), printing ({@code True}, {@code {'a': 1}}),
 *       {@code not x is defined}, slice steps ({@code messages[::-1]}), loop filters
 *       ({@code for m in messages if m.role == 'user'}).
 * </ul>
 *
 * <p>Known differences from Jinja2: an undefined value is lenient where Jinja2 raises (e.g. {@code 'a' + undefined}
 * renders instead of failing, iterating {@code tools=None} renders nothing); None prints as "" rather than
 * {@code None}; {@code "..."|safe + text} does not HTML-escape {@code text} (Jinja2's Markup does).
 *
 * <p>Instances are immutable and thread-safe; the template is parsed on every render (templates are small).
 *
 * <pre>{@code
 * ChatTemplate t = ChatTemplates.forCheckpoint(dir, "llama").orElseThrow();
 * String text = t.render(List.of(ChatMessage.system("Be brief."), ChatMessage.user("Hi")), true);
 * int[] ids = tokenizer.encode(text); // the text already holds BOS and the turn markers
 * }</pre>
 */
public final class JinjaChatTemplate implements ChatTemplate {

    private final String template;
    /** {@link #template} with Jinja2's whitespace rules already applied, as Jinjava renders it. */
    private final String prepared;
    private final String bosToken;
    private final String eosToken;
    private final String source;
    private final Map<String, Object> variables;
    private final Clock clock;

    /**
     * @param template the Jinja source
     * @param bosToken the text of the BOS token ({@code bos_token} in the template), or null for ""
     * @param eosToken the text of the EOS token ({@code eos_token}), or null for ""
     * @param source where the template came from, for error messages (a file, "default template for llama3")
     */
    public JinjaChatTemplate(String template, String bosToken, String eosToken, String source) {
        this(template, bosToken, eosToken, source, Map.of(), Clock.systemDefaultZone());
    }

    private JinjaChatTemplate(String template, String bosToken, String eosToken, String source,
            Map<String, Object> variables, Clock clock) {
        this.template = Objects.requireNonNull(template, "template");
        this.prepared = Jinja2Whitespace.apply(template);
        this.bosToken = bosToken == null ? "" : bosToken;
        this.eosToken = eosToken == null ? "" : eosToken;
        this.source = Objects.requireNonNull(source, "source");
        this.variables = variables;
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * A copy that also binds {@code extra} in every render (e.g. {@code tools}, {@code date_string},
     * {@code unk_token}); values are strings, numbers, booleans, lists, maps or null. They do not override
     * {@code messages} or {@code add_generation_prompt}.
     */
    public JinjaChatTemplate withVariables(Map<String, ?> extra) {
        Map<String, Object> merged = new LinkedHashMap<>(variables);
        merged.putAll(extra);
        return new JinjaChatTemplate(template, bosToken, eosToken, source, Collections.unmodifiableMap(merged), clock);
    }

    /** A copy whose {@code strftime_now} reads {@code clock} (the system clock by default). */
    public JinjaChatTemplate withClock(Clock clock) {
        return new JinjaChatTemplate(template, bosToken, eosToken, source, variables, clock);
    }

    /** The Jinja source. */
    public String template() {
        return template;
    }

    public String bosToken() {
        return bosToken;
    }

    public String eosToken() {
        return eosToken;
    }

    @Override
    public String source() {
        return source;
    }

    @Override
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        Objects.requireNonNull(messages, "messages");
        List<Object> msgs = new ArrayList<>(messages.size());
        for (ChatMessage m : messages) {
            Map<String, Object> map = new LinkedHashMap<>();
            map.put("role", m.role());
            map.put("content", m.content());
            msgs.add(map);
        }
        Object messageList = HfJinja.py(msgs);
        Map<String, Object> bindings = new LinkedHashMap<>();
        // Jinja2 sees transformers' helpers as globals, so templates test "strftime_now is defined"; Jinjava's
        // functions are not variables, hence these stand-ins (calls still go to the functions).
        bindings.put("raise_exception", "<function raise_exception>");
        bindings.put("strftime_now", "<function strftime_now>");
        bindings.put("bos_token", bosToken);
        bindings.put("eos_token", eosToken);
        variables.forEach((k, v) -> bindings.put(k, HfJinja.py(v)));
        bindings.put("messages", messageList);
        bindings.put("add_generation_prompt", addGenerationPrompt);

        HfJinja.RenderState state = HfJinja.begin(clock);
        RenderResult result;
        try {
            result = HfJinja.engine().renderForResult(prepared, bindings);
        } catch (RuntimeException e) {
            if (state.raised != null) {
                throw raised(state.raised);
            }
            throw new LongtuneException("chat template " + source + " failed: " + e.getMessage(), e);
        } finally {
            HfJinja.end();
        }
        if (state.raised != null) {
            throw raised(state.raised);
        }
        List<String> fatal = new ArrayList<>();
        for (TemplateError e : result.getErrors()) {
            if (e.getSeverity() == TemplateError.ErrorType.FATAL) {
                fatal.add((e.getLineno() > 0 ? "line " + e.getLineno() + ": " : "") + e.getMessage());
            }
        }
        if (!fatal.isEmpty()) {
            throw new LongtuneException("chat template " + source + " cannot be rendered: "
                    + String.join("; ", fatal));
        }
        return result.getOutput();
    }

    private LongtuneException raised(String message) {
        return new LongtuneException("chat template " + source + " rejected the conversation: " + message);
    }

    @Override
    public String toString() {
        return "JinjaChatTemplate[" + source + "]";
    }
}
