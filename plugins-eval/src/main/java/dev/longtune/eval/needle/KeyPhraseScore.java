package dev.longtune.eval.needle;

import java.util.List;
import java.util.Locale;

/**
 * Scores an answer by the needle's key phrases, standing in for the protocol's LLM judge (spec F: GPT-4 at
 * temperature 0 grading 1–10 against the needle), which is not available offline. The score is the fraction of key
 * phrases the answer contains after normalising both (lower case, every run of characters other than a–z and 0–9
 * turned into one space, whole words only): 1 when the answer names everything, 0.5 for half, 0 for none. This
 * checks retrieval, not phrasing: a judge would also reward a paraphrase, which this cannot.
 */
public final class KeyPhraseScore {

    private KeyPhraseScore() {}

    /** Lower case, non-alphanumeric runs to single spaces, trimmed. */
    public static String normalise(String text) {
        return text.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", " ").trim();
    }

    /** Whether {@code text} contains {@code phrase} as whole words, after normalising both. */
    public static boolean contains(String text, String phrase) {
        return (" " + normalise(text) + " ").contains(" " + normalise(phrase) + " ");
    }

    /** The fraction of {@code phrases} found in {@code answer}. */
    public static double score(String answer, List<String> phrases) {
        if (phrases.isEmpty()) {
            throw new IllegalArgumentException("no key phrases to score with");
        }
        return phrases.stream().filter(p -> contains(answer, p)).count() / (double) phrases.size();
    }
}
