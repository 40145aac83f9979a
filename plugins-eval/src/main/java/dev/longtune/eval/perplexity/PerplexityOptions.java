package dev.longtune.eval.perplexity;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * Options of {@code perplexity}. Every key has a default, so {@code {type: perplexity}} alone is a complete config.
 *
 * @param maxLength tokens per window; 0 (default) means the model's {@code max_position_embeddings} (after any
 *     context extension), so an extended model is scored at its new length
 * @param stride how far each window moves; 0 (default) means {@code max_length / 2}. {@code stride == max_length}
 *     gives the non-overlapping (pessimistic) estimate; a smaller stride gives every scored token more context.
 *     Must not exceed {@code max_length}, since the tokens in between would never be scored
 * @param maxTokens evaluate only the first this many tokens of the joined token stream; 0 (default) means all
 * @param join how records become token streams; see {@link Join}
 * @param score which tokens count; see {@link Score}
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record PerplexityOptions(Integer maxLength, Integer stride, Integer maxTokens, Join join, Score score) {

    // Boxed so an absent key binds as null and takes its default here (the binder rejects null for primitives).
    public PerplexityOptions {
        maxLength = maxLength == null ? 0 : maxLength;
        stride = stride == null ? 0 : stride;
        maxTokens = maxTokens == null ? 0 : maxTokens;
        if (maxLength < 0 || stride < 0 || maxTokens < 0) {
            throw new IllegalArgumentException("max_length, stride and max_tokens must not be negative (0 means the "
                    + "default)");
        }
        if (maxLength == 1) {
            throw new IllegalArgumentException("'max_length' must be at least 2: a one-token window predicts nothing");
        }
        if (maxLength > 0 && stride > maxLength) {
            throw new IllegalArgumentException("'stride' (" + stride + ") must not exceed 'max_length' (" + maxLength
                    + "): the tokens between windows would never be scored");
        }
        if (join == null) {
            join = Join.CONCAT;
        }
        if (score == null) {
            score = Score.COMPLETION;
        }
    }

    /** All defaults. */
    public static PerplexityOptions defaults() {
        return new PerplexityOptions(null, null, null, null, null);
    }

    /** How the records' texts become the token stream(s) the windows slide over. */
    public enum Join {
        /**
         * Every record's full text (prompt + completion, as the run's data format renders it) is encoded with BOS in
         * front, and the id sequences are concatenated into one stream. Windows cross record boundaries; the BOS
         * marks each boundary the way pretraining corpora do. This is how LongLoRA and the Hugging Face guide score
         * a corpus (the guide joins with "\n\n"; a BOS is the tokenizer-independent separator).
         */
        @JsonProperty("concat")
        CONCAT,
        /**
         * Each record (BOS + full text) is its own stream with its own windows, and the sums are added up. Use it
         * when records are long documents (books, papers) whose start should not see the previous document.
         */
        @JsonProperty("separate")
        SEPARATE
    }

    /** Which tokens of a record are scored (all of them are still read as context). */
    public enum Score {
        /**
         * Only the completion (the response of a prompt/completion or Alpaca record; everything for plain text).
         * This is what supervised fine-tuning optimises (prompt tokens are masked from its loss), so it is the
         * held-out number that tells whether fine-tuning worked; scoring the prompt too would mostly measure how
         * well the model still predicts the fixed instruction template.
         */
        @JsonProperty("completion")
        COMPLETION,
        /** Every token after BOS: the language-modelling perplexity of the whole text. */
        @JsonProperty("full")
        FULL
    }
}
