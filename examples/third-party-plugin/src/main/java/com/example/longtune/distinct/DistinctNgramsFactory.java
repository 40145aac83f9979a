package com.example.longtune.distinct;

import dev.longtune.api.Evaluator;
import dev.longtune.api.EvaluatorFactory;

/** {@code type: distinct_ngrams} in an experiment's {@code evaluation:} list. */
public final class DistinctNgramsFactory implements EvaluatorFactory<DistinctNgramsOptions> {

    @Override
    public String name() {
        return "distinct_ngrams";
    }

    @Override
    public Class<DistinctNgramsOptions> optionsType() {
        return DistinctNgramsOptions.class;
    }

    @Override
    public String description() {
        return "distinct-n of sampled generations (Li et al. 2016): how repetitive the model's output is";
    }

    @Override
    public Evaluator create(DistinctNgramsOptions options) {
        return new DistinctNgramsEvaluator(options);
    }
}
