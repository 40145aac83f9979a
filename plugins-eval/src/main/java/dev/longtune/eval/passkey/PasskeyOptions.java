package dev.longtune.eval.passkey;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.longtune.eval.Lengths;
import java.util.List;

/**
 * Options of {@code passkey}. Every key has a default, so {@code {type: passkey}} alone is a complete config.
 *
 * @param lengths context lengths in tokens (BOS + prompt + answer fit in each); empty (default) means a quarter,
 *     half, three quarters and all of the model's context. Lengths beyond the model's context are reported as
 *     skipped (the model cannot read them), not run
 * @param trials tests per length (the original's {@code num_tests}, default 10)
 * @param seed test {@code i} draws its key and split from {@code java.util.Random(seed + i)}; default 0, like the
 *     original's per-test seeds {@code 0..9}. Deliberately not the run's seed, so every run (and both phases) asks
 *     the same questions
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record PasskeyOptions(List<Integer> lengths, Integer trials, Long seed) {

    // Boxed so an absent key binds as null and takes its default here (the binder rejects null for primitives).
    public PasskeyOptions {
        lengths = Lengths.validated(lengths, "lengths", 8);
        trials = trials == null ? 10 : trials;
        seed = seed == null ? 0L : seed;
        if (trials < 1) {
            throw new IllegalArgumentException("'trials' must be at least 1, was " + trials);
        }
    }

    public static PasskeyOptions defaults() {
        return new PasskeyOptions(null, null, null);
    }
}
