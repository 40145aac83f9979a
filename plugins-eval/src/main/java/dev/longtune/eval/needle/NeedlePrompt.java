package dev.longtune.eval.needle;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.longtune.api.DataRecord;
import dev.longtune.api.data.PromptFormats;
import dev.longtune.eval.needle.NeedleOptions.Template;

/** The NIAH prompt text (spec F) around a haystack that already holds the needle. */
public final class NeedlePrompt {

    public static final String SYSTEM = "You are a helpful AI bot that answers questions for a user. Keep your "
            + "response short and direct";
    public static final String INSTRUCTION_SUFFIX = " Don't give information outside the document or repeat your "
            + "findings";

    private NeedlePrompt() {}

    public static String build(Template template, String context, String question) {
        String ask = question + INSTRUCTION_SUFFIX;
        return switch (template) {
            case PLAIN -> SYSTEM + "\n\n" + context + "\n\n" + ask + "\nAnswer:";
            case ALPACA -> PromptFormats.format("alpaca", new DataRecord("needle", 1, JsonNodeFactory.instance
                    .objectNode().put("instruction", SYSTEM).put("input", context + "\n\n" + ask).put("output", "")))
                    .prompt();
        };
    }
}
