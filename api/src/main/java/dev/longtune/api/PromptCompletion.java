package dev.longtune.api;

/**
 * A training or evaluation example as text: the model reads {@code prompt} and should write {@code completion}.
 * Plain-text records have an empty prompt.
 */
public record PromptCompletion(String prompt, String completion) {

    /** The whole text, prompt then completion. */
    public String fullText() {
        return prompt + completion;
    }
}
