package dev.longtune.api;

/**
 * The model's answer to one held-out record, beside the record's own completion (the reference answer).
 *
 * @param record the held-out record (names file and line in every report row)
 * @param prompt the prompt text as given to the model (before any truncation)
 * @param reference the record's completion (chosen answer for preference records); empty when it has none
 * @param output the generated text (EOS not included)
 * @param promptTokens prompt tokens the model actually saw (after truncation to fit its context)
 * @param outputTokens generated tokens
 * @param promptTruncated whether the prompt was cut (in the middle) to fit the context window
 */
public record GeneratedText(DataRecord record, String prompt, String reference, String output, int promptTokens,
        int outputTokens, boolean promptTruncated) {

    public GeneratedText {
        reference = reference == null ? "" : reference;
    }
}
