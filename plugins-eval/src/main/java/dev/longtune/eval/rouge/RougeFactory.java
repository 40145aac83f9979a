package dev.longtune.eval.rouge;

import dev.longtune.api.Evaluator;
import dev.longtune.api.EvaluatorFactory;

/** {@code evaluation: [{type: rouge, use_stemmer: false, max_records: 200}]}: ROUGE of generations (spec F). */
public final class RougeFactory implements EvaluatorFactory<RougeOptions> {

    public static final String NAME = "rouge";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Class<RougeOptions> optionsType() {
        return RougeOptions.class;
    }

    @Override
    public String description() {
        return "ROUGE-1/2/L/Lsum of the model's answers against the held-out completions (rouge_score)";
    }

    @Override
    public Evaluator create(RougeOptions options) {
        return new RougeEvaluator(options);
    }
}
