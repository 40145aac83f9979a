package dev.longtune.eval.bylength;

import dev.longtune.api.Evaluator;
import dev.longtune.api.EvaluatorFactory;

/**
 * {@code evaluation: [{type: perplexity_by_length, lengths: [1024, 2048, 4096, 8192]}]}: sliding-window perplexity
 * at several context lengths, plotted, to see whether a context extension holds.
 */
public final class PerplexityByLengthFactory implements EvaluatorFactory<PerplexityByLengthOptions> {

    public static final String NAME = "perplexity_by_length";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Class<PerplexityByLengthOptions> optionsType() {
        return PerplexityByLengthOptions.class;
    }

    @Override
    public String description() {
        return "Sliding-window perplexity of the held-out records at several context lengths, with a line plot";
    }

    @Override
    public Evaluator create(PerplexityByLengthOptions options) {
        return new PerplexityByLengthEvaluator(options);
    }
}
