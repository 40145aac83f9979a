package dev.longtune.eval.passkey;

import dev.longtune.api.TextTokenizer;

/**
 * How many characters of garbage make a passkey test about {@code L} tokens long.
 *
 * <p>The original sizes its garbage in characters ({@code n_garbage = int(3.75·(i+1)·interval // 1024 · 1024)},
 * "a rough ratio to control the number of texts and tokens") and reports the average token count it ends up with.
 * Here lengths are given in tokens, so the garbage is sized with the model's own tokenizer: the largest
 * {@code n_garbage} (found by bisection) for which a probe test — the garbage split in the middle and a five-digit
 * key, the longest a key can be — fits {@code BOS + prompt + answer <= L}. Actual tests differ from the probe only in
 * where the garbage is split and in the key's digits, which moves their length by a few tokens (always downwards
 * for shorter keys); the evaluator reports their real token counts.
 */
public final class GarbageBudget {

    /** The key used to size the prompt: five digits, the most a key in [1, 50000) has. */
    static final int PROBE_KEY = 49999;

    /**
     * Slack for tokenisation at the split: a real test's split point can merge or break a token differently from the
     * probe's.
     */
    static final int SLACK_TOKENS = 4;

    private GarbageBudget() {}

    /** Tokens of the probe test with {@code garbageChars} characters of garbage, BOS and answer included. */
    static int probeTokens(TextTokenizer tokenizer, int garbageChars) {
        String prompt = PasskeyPrompt.prompt(garbageChars, garbageChars / 2, PROBE_KEY);
        return tokenizer.encodeWithBos(prompt).length + tokenizer.encode(String.valueOf(PROBE_KEY)).length;
    }

    /**
     * The largest {@code n_garbage} whose probe test, plus {@link #SLACK_TOKENS}, fits in {@code tokens}; -1 when even
     * a test without garbage does not fit.
     */
    public static int garbageChars(TextTokenizer tokenizer, int tokens) {
        int budget = tokens - SLACK_TOKENS;
        if (probeTokens(tokenizer, 0) > budget) {
            return -1;
        }
        // Grow an upper bound, then bisect. Token count grows (almost) monotonically with the garbage.
        int lo = 0;
        int hi = Math.max(64, tokens);
        while (probeTokens(tokenizer, hi) <= budget) {
            lo = hi;
            hi *= 2;
        }
        while (hi - lo > 1) {
            int mid = (lo + hi) >>> 1;
            if (probeTokens(tokenizer, mid) <= budget) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return lo;
    }
}
