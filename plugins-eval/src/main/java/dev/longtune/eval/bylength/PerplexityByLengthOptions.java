package dev.longtune.eval.bylength;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.longtune.eval.Lengths;
import dev.longtune.eval.perplexity.PerplexityOptions.Join;
import dev.longtune.eval.perplexity.PerplexityOptions.Score;
import java.util.List;

/**
 * Options of {@code perplexity_by_length}. Every key has a default, so {@code {type: perplexity_by_length}} alone is
 * a complete config.
 *
 * @param lengths window lengths in tokens (the x axis); empty (default) means a quarter, half, three quarters and all
 *     of the model's context
 * @param stride how far each window moves; 0 (default) means half of each length, as {@code perplexity} does. A fixed
 *     stride must not exceed the shortest length
 * @param join how records become token streams, as in {@code perplexity} (default {@code concat})
 * @param score which tokens count, as in {@code perplexity} (default {@code completion})
 * @param logY draw the perplexity axis on a log scale (default false)
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record PerplexityByLengthOptions(List<Integer> lengths, Integer stride, Join join, Score score, Boolean logY) {

    // Boxed so an absent key binds as null and takes its default here (the binder rejects null for primitives).
    public PerplexityByLengthOptions {
        lengths = Lengths.validated(lengths, "lengths", 2);
        stride = stride == null ? 0 : stride;
        if (stride < 0) {
            throw new IllegalArgumentException("'stride' must not be negative (0 means half of each length)");
        }
        for (int l : lengths) {
            if (stride > l) {
                throw new IllegalArgumentException("'stride' (" + stride + ") must not exceed a length (" + l
                        + "): the tokens between windows would never be scored");
            }
        }
        join = join == null ? Join.CONCAT : join;
        score = score == null ? Score.COMPLETION : score;
        logY = logY != null && logY;
    }

    public static PerplexityByLengthOptions defaults() {
        return new PerplexityByLengthOptions(null, null, null, null, null);
    }
}
