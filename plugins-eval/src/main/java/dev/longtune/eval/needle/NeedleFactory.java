package dev.longtune.eval.needle;

import dev.longtune.api.Evaluator;
import dev.longtune.api.EvaluatorFactory;

/**
 * {@code evaluation: [{type: needle, lengths: [1024, 2048, 4096], depths: [0, 50, 100]}]}: needle in a haystack
 * (spec F), scored by key phrases, drawn as the usual heat map.
 */
public final class NeedleFactory implements EvaluatorFactory<NeedleOptions> {

    public static final String NAME = "needle";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Class<NeedleOptions> optionsType() {
        return NeedleOptions.class;
    }

    @Override
    public String description() {
        return "Needle in a haystack over context lengths x depths, key-phrase scored, with a heat map";
    }

    @Override
    public Evaluator create(NeedleOptions options) {
        return new NeedleEvaluator(options);
    }
}
