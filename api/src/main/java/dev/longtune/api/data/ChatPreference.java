package dev.longtune.api.data;

import dev.longtune.api.ChatMessage;
import dev.longtune.api.ChatTemplate;
import dev.longtune.api.LongtuneException;
import java.util.ArrayList;
import java.util.List;

/**
 * A conversational preference pair: the shared conversation so far and the two alternative continuations
 * (usually one assistant message each).
 *
 * @param prompt the shared messages; must end with a user (or system) message
 * @param chosen the preferred continuation
 * @param rejected the dispreferred continuation
 */
public record ChatPreference(List<ChatMessage> prompt, List<ChatMessage> chosen, List<ChatMessage> rejected) {

    public ChatPreference {
        prompt = List.copyOf(prompt);
        chosen = List.copyOf(chosen);
        rejected = List.copyOf(rejected);
    }

    /**
     * Renders with the model's chat template as TRL's {@code maybe_apply_chat_template} does: the prompt is rendered
     * with the generation prompt, each completion is the rendering of prompt + completion with that prompt text
     * removed from its front.
     *
     * @param template the model's chat template
     * @param where the record's {@code source:line}, for messages
     * @throws LongtuneException when the prompt does not end with a user or system turn, or the template renders
     *     prompt + completion with a different prefix than the prompt alone
     */
    public PreferenceExample render(ChatTemplate template, String where) {
        if (prompt.isEmpty() || "assistant".equals(prompt.get(prompt.size() - 1).role())) {
            throw new LongtuneException(where + ": the prompt of a conversational preference pair must end with a "
                    + "user turn (continuing a final assistant message is not supported)");
        }
        String promptText = template.render(prompt, true);
        return new PreferenceExample(promptText, suffix(template, promptText, chosen, "chosen", where),
                suffix(template, promptText, rejected, "rejected", where));
    }

    private String suffix(ChatTemplate template, String promptText, List<ChatMessage> completion, String side,
            String where) {
        List<ChatMessage> all = new ArrayList<>(prompt);
        all.addAll(completion);
        String full = template.render(all, false);
        if (!full.startsWith(promptText)) {
            throw new LongtuneException(where + ": the chat template (" + template.source() + ") renders prompt + "
                    + side + " with a different beginning than the prompt alone, so the completion cannot be cut "
                    + "off; use a text-format dataset or a template whose generation prompt is a prefix");
        }
        return full.substring(promptText.length());
    }
}
