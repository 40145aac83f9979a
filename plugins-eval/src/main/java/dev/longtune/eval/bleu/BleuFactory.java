package dev.longtune.eval.bleu;

import dev.longtune.api.Evaluator;
import dev.longtune.api.EvaluatorFactory;

/** {@code evaluation: [{type: bleu, smooth_method: exp, tokenize: 13a}]}: sacrebleu's BLEU of generations. */
public final class BleuFactory implements EvaluatorFactory<BleuOptions> {

    public static final String NAME = "bleu";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Class<BleuOptions> optionsType() {
        return BleuOptions.class;
    }

    @Override
    public String description() {
        return "Corpus BLEU-4 of the model's answers against the held-out completions (sacrebleu, 0-100)";
    }

    @Override
    public Evaluator create(BleuOptions options) {
        return new BleuEvaluator(options);
    }
}
