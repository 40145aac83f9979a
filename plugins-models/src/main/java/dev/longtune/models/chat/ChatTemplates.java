package dev.longtune.models.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.longtune.api.ChatTemplate;
import dev.longtune.api.LongtuneException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Finds a checkpoint's chat template the way transformers does, falling back to the family default.
 *
 * <ol>
 *   <li>{@code tokenizer_config.json}'s {@code chat_template}: a string, or a list of {@code {name, template}}
 *       from which the one named {@code default} is taken;
 *   <li>else a {@code chat_template.jinja} file (or {@code chat_template.json} with a {@code chat_template} key),
 *       which newer transformers write beside the tokenizer;
 *   <li>else {@link DefaultTemplates#forModelType the family default} for {@code model_type};
 *   <li>else none.
 * </ol>
 *
 * BOS/EOS text comes from {@code tokenizer_config.json} ({@code bos_token}/{@code eos_token}, a string or an
 * {@code {content: ...}} object).
 */
public final class ChatTemplates {

    private static final ObjectMapper JSON = new ObjectMapper();

    private ChatTemplates() {}

    /**
     * The chat template of the checkpoint in {@code dir}.
     *
     * @param modelType {@code config.json}'s {@code model_type}, for the family default (may be null)
     * @throws LongtuneException when a template file exists but cannot be read, or a list of templates has no
     *     {@code default}
     */
    public static Optional<ChatTemplate> forCheckpoint(Path dir, String modelType) {
        Path tc = dir.resolve("tokenizer_config.json");
        JsonNode config = null;
        if (Files.isRegularFile(tc)) {
            try {
                config = JSON.readTree(tc.toFile());
            } catch (IOException e) {
                throw new LongtuneException("cannot parse " + tc + ": " + e.getMessage(), e);
            }
        }
        String bos = config == null ? null : token(config.get("bos_token"));
        String eos = config == null ? null : token(config.get("eos_token"));

        if (config != null && config.hasNonNull("chat_template")) {
            return Optional.of(fromNode(config.get("chat_template"), tc.toString(), bos, eos));
        }
        Path jinja = dir.resolve("chat_template.jinja");
        if (Files.isRegularFile(jinja)) {
            return Optional.of(new JinjaChatTemplate(read(jinja), bos, eos, jinja.toString()));
        }
        Path json = dir.resolve("chat_template.json");
        if (Files.isRegularFile(json)) {
            try {
                JsonNode node = JSON.readTree(json.toFile()).get("chat_template");
                if (node != null && !node.isNull()) {
                    return Optional.of(fromNode(node, json.toString(), bos, eos));
                }
            } catch (IOException e) {
                throw new LongtuneException("cannot parse " + json + ": " + e.getMessage(), e);
            }
        }
        return DefaultTemplates.forModelType(modelType, bos).map(name -> DefaultTemplates.get(name, bos, eos));
    }

    /** A {@code chat_template} value: a string, or HF's list of named templates (the {@code default} one). */
    static JinjaChatTemplate fromNode(JsonNode node, String file, String bos, String eos) {
        if (node.isTextual()) {
            return new JinjaChatTemplate(node.asText(), bos, eos, file);
        }
        if (node.isArray()) {
            StringBuilder names = new StringBuilder();
            for (JsonNode t : node) {
                String name = t.path("name").asText("");
                if (name.equals("default") && t.path("template").isTextual()) {
                    return new JinjaChatTemplate(t.get("template").asText(), bos, eos,
                            file + " (chat_template 'default')");
                }
                names.append(names.length() == 0 ? "" : ", ").append(name);
            }
            throw new LongtuneException(file + ": chat_template lists named templates [" + names
                    + "] but none is named 'default'");
        }
        throw new LongtuneException(file + ": chat_template must be a string or a list of {name, template}, was "
                + node.getNodeType());
    }

    /** The text of a special token entry: {@code "<s>"} or {@code {"content": "<s>", ...}}; null when absent. */
    static String token(JsonNode v) {
        if (v == null || v.isNull()) {
            return null;
        }
        if (v.isTextual()) {
            return v.asText();
        }
        JsonNode c = v.get("content");
        return c != null && c.isTextual() ? c.asText() : null;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new LongtuneException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
