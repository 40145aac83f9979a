package dev.longtune.api.data;

import com.fasterxml.jackson.databind.JsonNode;
import dev.longtune.api.ChatMessage;
import dev.longtune.api.ChatTemplate;
import dev.longtune.api.DataRecord;
import dev.longtune.api.LongtuneException;
import java.util.List;

/**
 * Reads preference-pair records (DPO, IPO, ORPO, SimPO). Formats are named in {@code data.format}:
 *
 * <ul>
 *   <li>{@code prompt_chosen_rejected} (TRL's preference format): {@code prompt}, {@code chosen}, {@code rejected}
 *       as strings, or, conversational, as message lists ({@code role/content} or {@code from/value}, see
 *       {@link ChatRecords}). Conversational records may leave out {@code prompt}; it is then the longest common
 *       prefix of the chosen and rejected message lists (TRL's implicit prompt, {@code extract_prompt}).
 *   <li>{@code hh_rlhf}: Anthropic HH-RLHF, {@code chosen} and {@code rejected} full dialogues
 *       {@code "\n\nHuman: … \n\nAssistant: …"}; the prompt is their common prefix up to and including its last
 *       {@code "\n\nAssistant:"}, the completions are the rest (with their leading space).
 *   <li>{@code stack_exchange}: {@code question}, {@code response_j} (preferred), {@code response_k}; the prompt is
 *       {@code "Question: " + question + "\n\nAnswer: "} as in TRL's stack-llama scripts.
 *   <li>{@code auto}: {@code prompt_chosen_rejected} when the record has {@code prompt}, or message-list
 *       {@code chosen}/{@code rejected}; {@code hh_rlhf} for text {@code chosen}/{@code rejected} containing
 *       {@code "\n\nAssistant:"}; {@code stack_exchange} for {@code question}/{@code response_j}/{@code response_k}.
 * </ul>
 */
public final class PreferenceRecords {

    /** Accepted format names. */
    public static final List<String> NAMES = List.of("auto", "prompt_chosen_rejected", "hh_rlhf", "stack_exchange");

    /** The marker ending the prompt of an HH-RLHF dialogue. */
    public static final String HH_ASSISTANT = "\n\nAssistant:";

    private PreferenceRecords() {}

    /**
     * The preference pair in {@code record} as text.
     *
     * @param format one of {@link #NAMES}
     * @param template renders conversational records; may be null when the data set is plain text
     * @throws LongtuneException naming the record when it does not fit, or when it is conversational and no
     *     template was given
     */
    public static PreferenceExample read(String format, DataRecord record, ChatTemplate template) {
        String resolved = "auto".equals(format) ? detect(record) : format;
        switch (resolved) {
            case "prompt_chosen_rejected":
                if (isConversational(record)) {
                    if (template == null) {
                        throw new LongtuneException(record.where() + ": conversational preference record (message "
                                + "lists) needs the model's chat template to be rendered");
                    }
                    return conversation(record).render(template, record.where());
                }
                return new PreferenceExample(text(record, "prompt", "for dialogues without a prompt field use "
                        + "format hh_rlhf"), text(record, "chosen", null), text(record, "rejected", null));
            case "hh_rlhf":
                return hhRlhf(record);
            case "stack_exchange":
                return new PreferenceExample("Question: " + text(record, "question", null) + "\n\nAnswer: ",
                        text(record, "response_j", null), text(record, "response_k", null));
            default:
                throw new LongtuneException("unknown preference data format '" + format + "'; valid formats: "
                        + NAMES);
        }
    }

    /** The format {@code auto} picks for {@code record}, or an error naming the record and its fields. */
    public static String detect(DataRecord record) {
        JsonNode f = record.fields();
        if (f.has("chosen") && f.has("rejected")) {
            if (f.has("prompt") || isConversational(record)) {
                return "prompt_chosen_rejected";
            }
            String chosen = record.text("chosen");
            if (chosen != null && chosen.contains(HH_ASSISTANT)) {
                return "hh_rlhf";
            }
        }
        if (f.has("question") && f.has("response_j") && f.has("response_k")) {
            return "stack_exchange";
        }
        throw new LongtuneException(record.where() + ": cannot tell the preference format: expected prompt/chosen/"
                + "rejected, chosen/rejected message lists or HH-RLHF dialogues, or question/response_j/response_k; "
                + "found fields " + RecordFields.fieldNames(record)
                + ". Set data.format explicitly or fix the record.");
    }

    /** Whether {@code chosen} and {@code rejected} are message lists. */
    public static boolean isConversational(DataRecord record) {
        JsonNode c = record.fields().get("chosen");
        JsonNode r = record.fields().get("rejected");
        return c != null && c.isArray() && r != null && r.isArray();
    }

    /**
     * The messages of a conversational {@code prompt_chosen_rejected} record; without a {@code prompt} field the
     * prompt is the longest common prefix of chosen and rejected (TRL's implicit prompt).
     */
    public static ChatPreference conversation(DataRecord record) {
        if (!isConversational(record)) {
            throw new LongtuneException(record.where() + ": 'chosen' and 'rejected' must both be message lists for a "
                    + "conversational preference record");
        }
        List<ChatMessage> chosen = ChatRecords.parse(record.fields().get("chosen"), record.where() + ": chosen");
        List<ChatMessage> rejected = ChatRecords.parse(record.fields().get("rejected"),
                record.where() + ": rejected");
        JsonNode p = record.fields().get("prompt");
        if (p != null && !p.isNull()) {
            if (!p.isArray()) {
                throw new LongtuneException(record.where() + ": 'prompt' is text but 'chosen'/'rejected' are message "
                        + "lists; use message lists for all three or strings for all three");
            }
            return new ChatPreference(ChatRecords.parse(p, record.where() + ": prompt"), chosen, rejected);
        }
        int common = 0;
        while (common < chosen.size() && common < rejected.size() && chosen.get(common).equals(rejected.get(common))) {
            common++;
        }
        if (common == 0) {
            throw new LongtuneException(record.where() + ": no 'prompt' and chosen/rejected share no leading "
                    + "message, so there is no prompt");
        }
        if (common == chosen.size() || common == rejected.size()) {
            throw new LongtuneException(record.where() + ": chosen and rejected are identical or one is a prefix of "
                    + "the other, so one completion is empty");
        }
        return new ChatPreference(chosen.subList(0, common), chosen.subList(common, chosen.size()),
                rejected.subList(common, rejected.size()));
    }

    private static PreferenceExample hhRlhf(DataRecord record) {
        String chosen = text(record, "chosen", null);
        String rejected = text(record, "rejected", null);
        int common = 0;
        int max = Math.min(chosen.length(), rejected.length());
        while (common < max && chosen.charAt(common) == rejected.charAt(common)) {
            common++;
        }
        int cut = chosen.lastIndexOf(HH_ASSISTANT, common - HH_ASSISTANT.length());
        if (common < HH_ASSISTANT.length() || cut < 0) {
            throw new LongtuneException(record.where() + ": HH-RLHF record: chosen and rejected share no \""
                    + HH_ASSISTANT.replace("\n", "\\n") + "\" turn, so the prompt cannot be found");
        }
        int end = cut + HH_ASSISTANT.length();
        return new PreferenceExample(chosen.substring(0, end), chosen.substring(end), rejected.substring(end));
    }

    private static String text(DataRecord record, String field, String hint) {
        JsonNode n = record.fields().get(field);
        if (n == null || n.isNull()) {
            throw new LongtuneException(record.where() + ": missing field '" + field + "' (fields present: "
                    + RecordFields.fieldNames(record) + ")" + (hint == null ? "" : "; " + hint));
        }
        if (!n.isTextual()) {
            throw new LongtuneException(record.where() + ": field '" + field + "' must be a string, found "
                    + n.getNodeType());
        }
        return n.asText();
    }
}
