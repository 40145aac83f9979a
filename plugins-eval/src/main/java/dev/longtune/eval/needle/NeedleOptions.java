package dev.longtune.eval.needle;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.longtune.eval.Lengths;
import java.util.List;

/**
 * Options of {@code needle}. Every key has a default, so {@code {type: needle}} alone is a complete config.
 *
 * @param lengths context lengths in tokens (the x axis); empty (default) means a quarter, half, three quarters and all
 *     of the model's context. The protocol's full sweep is {@code round(linspace(1000, 16000, 35))}
 * @param depths needle depths in percent of the haystack (the y axis); default {@code [0, 25, 50, 75, 100]}. The
 *     protocol's full sweep is {@code round(linspace(0, 100, 35))}
 * @param haystack a folder whose {@code .txt} files (read in file-name order, concatenated, repeated as needed) make
 *     the haystack; default: the three Paul Graham essays bundled with Longtune ({@code examples/data/haystack})
 * @param needle the sentence hidden in the haystack; default the protocol's San Francisco sentence
 * @param question the retrieval question; default the protocol's
 * @param keyPhrases what an answer must contain to score (see {@link KeyPhraseScore}); default
 *     {@code ["eat a sandwich", "Dolores Park"]}; required when {@code needle} is changed, and each must occur in it
 * @param maxNewTokens tokens the model may answer with (greedy); default 48
 * @param finalBuffer tokens kept free at the end of each length for the instructions, question and answer (the
 *     protocol's {@code final_context_length_buffer}, default 200)
 * @param template how the prompt is laid out; see {@link Template}
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record NeedleOptions(List<Integer> lengths, List<Double> depths, String haystack, String needle,
        String question, List<String> keyPhrases, Integer maxNewTokens, Integer finalBuffer, Template template) {

    public static final String NEEDLE = "\nThe best thing to do in San Francisco is eat a sandwich and sit in Dolores "
            + "Park on a sunny day.\n";
    public static final String QUESTION = "What is the best thing to do in San Francisco?";
    public static final List<String> KEY_PHRASES = List.of("eat a sandwich", "Dolores Park");
    public static final List<Double> DEPTHS = List.of(0.0, 25.0, 50.0, 75.0, 100.0);

    // Boxed so an absent key binds as null and takes its default here (the binder rejects null for primitives).
    public NeedleOptions {
        lengths = Lengths.validated(lengths, "lengths", 2);
        depths = depths == null || depths.isEmpty() ? DEPTHS : List.copyOf(depths);
        for (Double d : depths) {
            if (d == null || !(d >= 0 && d <= 100)) {
                throw new IllegalArgumentException("'depths' are percentages in [0, 100], got " + depths);
            }
        }
        if (needle != null && keyPhrases == null) {
            throw new IllegalArgumentException("a custom 'needle' needs 'key_phrases': the words an answer must "
                    + "contain to count as finding it");
        }
        needle = needle == null ? NEEDLE : needle;
        question = question == null ? QUESTION : question;
        keyPhrases = keyPhrases == null ? KEY_PHRASES : List.copyOf(keyPhrases);
        if (keyPhrases.isEmpty()) {
            throw new IllegalArgumentException("'key_phrases' must not be empty");
        }
        for (String p : keyPhrases) {
            if (KeyPhraseScore.normalise(p).isEmpty() || !KeyPhraseScore.contains(needle, p)) {
                throw new IllegalArgumentException("key phrase '" + p + "' does not occur in the needle");
            }
        }
        maxNewTokens = maxNewTokens == null ? 48 : maxNewTokens;
        finalBuffer = finalBuffer == null ? 200 : finalBuffer;
        if (maxNewTokens < 1 || finalBuffer < 0) {
            throw new IllegalArgumentException("'max_new_tokens' must be at least 1 and 'final_buffer' not negative");
        }
        template = template == null ? Template.PLAIN : template;
    }

    public static NeedleOptions defaults() {
        return new NeedleOptions(null, null, null, null, null, null, null, null, null);
    }

    /** How the system line, the haystack and the question become one prompt. */
    public enum Template {
        /**
         * The protocol's three messages (system, context, question + "Don't give information outside the document or
         * repeat your findings") separated by blank lines, then {@code "\nAnswer:"}: a base model has no chat
         * template, and without a cue it tends to continue the essay instead of answering.
         */
        @JsonProperty("plain")
        PLAIN,
        /**
         * Stanford Alpaca's prompt (spec E): the system line as the instruction, context then question as the input;
         * for models fine-tuned on Alpaca-format data.
         */
        @JsonProperty("alpaca")
        ALPACA
    }
}
