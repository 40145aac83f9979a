package dev.longtune.api.data;

import dev.longtune.api.DataRecord;
import dev.longtune.api.LongtuneException;
import dev.longtune.api.PromptCompletion;
import java.util.List;

/**
 * Turns dataset records into prompt/completion text. Formats are named in {@code data.format}.
 *
 * <ul>
 *   <li>{@code alpaca}: {@code instruction} / optional {@code input} / {@code output}, with Stanford Alpaca's prompt
 *       (numerics spec, section E; no trailing space after {@code ### Response:}, a newline instead, as in
 *       Stanford Alpaca's {@code train.py}).
 *   <li>{@code prompt_completion}: {@code prompt} / {@code completion} used verbatim.
 *   <li>{@code text}: {@code text} as the completion, empty prompt (continued pre-training).
 *   <li>{@code auto}: the first of the above whose fields the record has.
 * </ul>
 */
public final class PromptFormats {

    public static final List<String> NAMES = List.of("auto", "alpaca", "prompt_completion", "text");

    static final String ALPACA_WITH_INPUT = "Below is an instruction that describes a task, paired with an input that "
            + "provides further context. Write a response that appropriately completes the request.\n\n"
            + "### Instruction:\n%s\n\n### Input:\n%s\n\n### Response:\n";
    static final String ALPACA_NO_INPUT = "Below is an instruction that describes a task. Write a response that "
            + "appropriately completes the request.\n\n### Instruction:\n%s\n\n### Response:\n";

    private PromptFormats() {}

    /** Formats {@code record} with the named format; throws naming the record's file and line when it does not fit. */
    public static PromptCompletion format(String format, DataRecord record) {
        return switch (format) {
            case "alpaca" -> alpaca(record);
            case "prompt_completion" -> new PromptCompletion(required(record, "prompt"), required(record, "completion"));
            case "text" -> new PromptCompletion("", required(record, "text"));
            case "auto" -> auto(record);
            default -> throw new LongtuneException("unknown data format '" + format + "'; valid formats: " + NAMES);
        };
    }

    private static PromptCompletion auto(DataRecord record) {
        if (record.fields().has("instruction")) {
            return alpaca(record);
        }
        if (record.fields().has("prompt") && record.fields().has("completion")) {
            return format("prompt_completion", record);
        }
        if (record.fields().has("text")) {
            return format("text", record);
        }
        throw new LongtuneException(record.where() + ": cannot tell the record's format: expected fields "
                + "instruction/output (alpaca), prompt/completion, or text; found " + fieldNames(record)
                + ". Set data.format explicitly or fix the record.");
    }

    private static PromptCompletion alpaca(DataRecord record) {
        String instruction = required(record, "instruction");
        String input = record.text("input");
        String output = required(record, "output");
        String prompt = input == null || input.isBlank()
                ? String.format(ALPACA_NO_INPUT, instruction)
                : String.format(ALPACA_WITH_INPUT, instruction, input);
        return new PromptCompletion(prompt, output);
    }

    private static String required(DataRecord record, String field) {
        String v = record.text(field);
        if (v == null) {
            throw new LongtuneException(record.where() + ": missing field '" + field + "' (fields present: "
                    + fieldNames(record) + ")");
        }
        return v;
    }

    private static List<String> fieldNames(DataRecord record) {
        java.util.ArrayList<String> names = new java.util.ArrayList<>();
        record.fields().fieldNames().forEachRemaining(names::add);
        return names;
    }
}
