package dev.longtune.eval.perplexity;

import dev.longtune.api.Evaluator;
import dev.longtune.api.EvaluatorFactory;

/** {@code evaluation: [{type: perplexity, max_length: 512, stride: 256}]}: sliding-window perplexity (spec F). */
public final class PerplexityFactory implements EvaluatorFactory<PerplexityOptions> {

    public static final String NAME = "perplexity";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Class<PerplexityOptions> optionsType() {
        return PerplexityOptions.class;
    }

    @Override
    public String description() {
        return "Sliding-window perplexity of the held-out records (Hugging Face's strided algorithm)";
    }

    @Override
    public Evaluator create(PerplexityOptions options) {
        return new PerplexityEvaluator(options);
    }
}
