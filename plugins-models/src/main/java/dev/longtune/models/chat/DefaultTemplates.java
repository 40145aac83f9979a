package dev.longtune.models.chat;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Each family's default chat template, written in Jinja and rendered by {@link JinjaChatTemplate} like a
 * checkpoint's own. Used when a checkpoint's {@code tokenizer_config.json} carries no {@code chat_template}
 * (reference: numerics spec section E).
 *
 * <ul>
 *   <li>{@code llama2}: transformers' Llama default template. A leading system message is folded into the first
 *       user turn as {@code <<SYS>>\n...\n<</SYS>>\n\n}; user turns are {@code bos + "[INST] " + strip + " [/INST]"},
 *       assistant turns {@code " " + strip + " " + eos}; roles must alternate. It has no generation prompt (the
 *       model answers after {@code [/INST]}).
 *   <li>{@code llama3}: Meta's Llama 3 Instruct template, {@code <|start_header_id|>role<|end_header_id|>\n\n}
 *       {@code content|trim<|eot_id|>}, BOS before the first turn.
 *   <li>{@code mistral}: Mistral-7B-Instruct v0.1, {@code bos}, {@code "[INST] " + content + " [/INST]"},
 *       {@code content + eos + " "}; user/assistant only, alternating.
 *   <li>{@code gemma}: Gemma -it, {@code <start_of_turn>role\ncontent|trim<end_of_turn>\n} with
 *       {@code assistant} renamed {@code model}; no system role.
 *   <li>{@code chatml}: plain ChatML ({@code <|im_start|>role\ncontent<|im_end|>\n}), the Qwen2 family's format,
 *       without any default system prompt.
 * </ul>
 */
public final class DefaultTemplates {

    public static final String LLAMA2 = "llama2";
    public static final String LLAMA3 = "llama3";
    public static final String MISTRAL = "mistral";
    public static final String GEMMA = "gemma";
    public static final String CHATML = "chatml";

    private static final String ALTERNATE = "{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
            + "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}"
            + "{% endif %}";

    private static final Map<String, String> TEMPLATES = new LinkedHashMap<>();

    static {
        TEMPLATES.put(LLAMA2, ""
                + "{% if messages[0]['role'] == 'system' %}"
                + "{% set loop_messages = messages[1:] %}{% set system_message = messages[0]['content'] %}"
                + "{% else %}{% set loop_messages = messages %}{% set system_message = none %}{% endif %}"
                + "{% for message in loop_messages %}"
                + ALTERNATE
                + "{% if loop.index0 == 0 and system_message is not none %}"
                + "{% set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content'] %}"
                + "{% else %}{% set content = message['content'] %}{% endif %}"
                + "{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}"
                + "{% elif message['role'] == 'assistant' %}{{ ' ' + content.strip() + ' ' + eos_token }}{% endif %}"
                + "{% endfor %}");
        TEMPLATES.put(LLAMA3, ""
                + "{% for message in messages %}"
                + "{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'"
                + " + message['content'] | trim + '<|eot_id|>' %}"
                + "{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}"
                + "{{ content }}"
                + "{% endfor %}"
                + "{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}");
        TEMPLATES.put(MISTRAL, ""
                + "{{ bos_token }}"
                + "{% for message in messages %}"
                + ALTERNATE
                + "{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}"
                + "{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token + ' ' }}"
                + "{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}"
                + "{% endfor %}");
        TEMPLATES.put(GEMMA, ""
                + "{{ bos_token }}"
                + "{% if messages[0]['role'] == 'system' %}{{ raise_exception('System role not supported') }}"
                + "{% endif %}"
                + "{% for message in messages %}"
                + ALTERNATE
                + "{% if message['role'] == 'assistant' %}{% set role = 'model' %}"
                + "{% else %}{% set role = message['role'] %}{% endif %}"
                + "{{ '<start_of_turn>' + role + '\\n' + message['content'] | trim + '<end_of_turn>\\n' }}"
                + "{% endfor %}"
                + "{% if add_generation_prompt %}{{ '<start_of_turn>model\\n' }}{% endif %}");
        TEMPLATES.put(CHATML, ""
                + "{% for message in messages %}"
                + "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
                + "{% endfor %}"
                + "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}");
    }

    /** The usual BOS/EOS text of each template's family, used when the checkpoint does not name them. */
    private static final Map<String, String[]> TOKENS = Map.of(
            LLAMA2, new String[] {"<s>", "</s>"},
            LLAMA3, new String[] {"<|begin_of_text|>", "<|eot_id|>"},
            MISTRAL, new String[] {"<s>", "</s>"},
            GEMMA, new String[] {"<bos>", "<eos>"},
            CHATML, new String[] {"", "<|im_end|>"});

    private DefaultTemplates() {}

    /** The names of the default templates. */
    public static Set<String> names() {
        return TEMPLATES.keySet();
    }

    /** The Jinja source of default template {@code name}. */
    public static String jinja(String name) {
        String t = TEMPLATES.get(name);
        if (t == null) {
            throw new IllegalArgumentException("no default chat template '" + name + "'; known: " + names());
        }
        return t;
    }

    /**
     * Default template {@code name} with the given BOS/EOS text; null takes the family's usual tokens
     * ({@code <s>}/{@code </s>}, {@code <|begin_of_text|>}/{@code <|eot_id|>}, {@code <bos>}/{@code <eos>}).
     */
    public static JinjaChatTemplate get(String name, String bosToken, String eosToken) {
        String jinja = jinja(name);
        String[] usual = TOKENS.get(name);
        return new JinjaChatTemplate(jinja, bosToken != null ? bosToken : usual[0],
                eosToken != null ? eosToken : usual[1], "default template for " + name);
    }

    /**
     * The default template for a {@code config.json} {@code model_type}: {@code llama} is Llama 3 when its BOS is
     * {@code <|begin_of_text|>}, else Llama 2; {@code mistral} and {@code mixtral} take Mistral's, {@code gemma}
     * and {@code gemma2} Gemma's, {@code qwen2} ChatML. Other types have none.
     *
     * @param bosToken the checkpoint's BOS text, or null when unknown
     */
    public static Optional<String> forModelType(String modelType, String bosToken) {
        if (modelType == null) {
            return Optional.empty();
        }
        switch (modelType.toLowerCase(Locale.ROOT)) {
            case "llama":
                return Optional.of("<|begin_of_text|>".equals(bosToken) ? LLAMA3 : LLAMA2);
            case "mistral":
            case "mixtral":
                return Optional.of(MISTRAL);
            case "gemma":
            case "gemma2":
                return Optional.of(GEMMA);
            case "qwen2":
                return Optional.of(CHATML);
            default:
                return Optional.empty();
        }
    }
}
