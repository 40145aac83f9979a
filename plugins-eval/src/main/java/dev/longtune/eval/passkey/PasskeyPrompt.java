package dev.longtune.eval.passkey;

import java.util.Random;

/**
 * The passkey retrieval prompt of LongLoRA's {@code passkey_retrivial.py} (from landmark attention), numerics spec F:
 * five lines joined with {@code "\n"} — the task, a garbage prefix, the key line, a garbage suffix, the question —
 * where prefix and suffix are both taken <em>from the start</em> of the repeated garbage, the prefix
 * {@code randint(0, n_garbage)} characters long and the suffix the rest.
 */
public final class PasskeyPrompt {

    public static final String TASK = "There is an important info hidden inside a lot of irrelevant text. Find it and "
            + "memorize them. I will quiz you about the important information there.";
    public static final String GARBAGE = "The grass is green. The sky is blue. The sun is yellow. Here we go. There and "
            + "back again.";
    public static final String QUESTION = "What is the pass key? The pass key is";

    /** Keys are drawn from {@code [1, 50000)}: numpy's {@code randint(1, 50000)} excludes its upper bound. */
    public static final int MAX_KEY_EXCLUSIVE = 50000;

    /**
     * One test.
     *
     * @param prompt the full prompt text
     * @param answer the key as text: what the model must produce
     * @param garbageChars {@code n_garbage}: characters of garbage, prefix and suffix together
     * @param prefixChars characters of garbage before the key line
     */
    public record Test(String prompt, String answer, int key, int garbageChars, int prefixChars) {}

    private PasskeyPrompt() {}

    /** The information line: {@code "The pass key is {k}. Remember it. {k} is the pass key."}. */
    public static String keyLine(int key) {
        return "The pass key is " + key + ". Remember it. " + key + " is the pass key.";
    }

    /**
     * The first {@code chars} characters of the garbage repeated and joined with single spaces (the original's
     * {@code " ".join([garbage] * 5000)[:chars]}; here it repeats as far as needed instead of asserting 5000 copies
     * suffice).
     */
    public static String garbage(int chars) {
        StringBuilder sb = new StringBuilder(chars + GARBAGE.length() + 1);
        while (sb.length() < chars) {
            if (sb.length() > 0) {
                sb.append(' ');
            }
            sb.append(GARBAGE);
        }
        sb.setLength(chars);
        return sb.toString();
    }

    /** The prompt for a given split and key. */
    public static String prompt(int garbageChars, int prefixChars, int key) {
        if (prefixChars < 0 || prefixChars > garbageChars) {
            throw new IllegalArgumentException("prefix " + prefixChars + " outside [0, " + garbageChars + "]");
        }
        return String.join("\n", TASK, garbage(prefixChars), keyLine(key), garbage(garbageChars - prefixChars),
                QUESTION);
    }

    /**
     * Draws a test as the original does, in its order: the prefix length first ({@code randint(0, n_garbage)},
     * upper bound exclusive), then the key ({@code randint(1, 50000)}). numpy's Mersenne Twister cannot be reproduced
     * here, so the caller passes a {@code java.util.Random} seeded per test; the keys and splits therefore differ
     * from the Python script's, while following the same distributions.
     */
    public static Test draw(int garbageChars, Random rng) {
        // randint(0, 0) raises in numpy; with no garbage the only possible split is 0.
        int prefix = garbageChars > 0 ? rng.nextInt(garbageChars) : 0;
        int key = 1 + rng.nextInt(MAX_KEY_EXCLUSIVE - 1);
        return new Test(prompt(garbageChars, prefix, key), String.valueOf(key), key, garbageChars, prefix);
    }
}
