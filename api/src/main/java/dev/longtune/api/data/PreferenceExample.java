package dev.longtune.api.data;

import dev.longtune.api.PromptCompletion;
import java.util.Objects;

/**
 * A preference pair as text: the model reads {@code prompt}; {@code chosen} is the preferred continuation and
 * {@code rejected} the dispreferred one. The completions do not repeat the prompt. Conversational records are
 * rendered into this form with the model's chat template ({@link ChatPreference#render}).
 */
public record PreferenceExample(String prompt, String chosen, String rejected) {

    public PreferenceExample {
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(chosen, "chosen");
        Objects.requireNonNull(rejected, "rejected");
    }

    /** The prompt with the chosen completion. */
    public PromptCompletion chosenPair() {
        return new PromptCompletion(prompt, chosen);
    }

    /** The prompt with the rejected completion. */
    public PromptCompletion rejectedPair() {
        return new PromptCompletion(prompt, rejected);
    }
}
