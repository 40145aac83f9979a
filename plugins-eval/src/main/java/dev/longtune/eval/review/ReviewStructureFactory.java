package dev.longtune.eval.review;

import dev.longtune.api.Evaluator;
import dev.longtune.api.EvaluatorFactory;

/**
 * {@code evaluation: [{type: review_structure}]}: how many of the four reviewer criteria (importance and novelty,
 * reasons to accept, reasons to reject, suggestions) each generated review covers, beside the reference reviews.
 */
public final class ReviewStructureFactory implements EvaluatorFactory<ReviewStructureOptions> {

    public static final String NAME = "review_structure";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Class<ReviewStructureOptions> optionsType() {
        return ReviewStructureOptions.class;
    }

    @Override
    public String description() {
        return "Share of the four reviewer criteria (novelty, accept, reject, suggestions) each generated review "
                + "covers, by headings and cue phrases; references scored the same way";
    }

    @Override
    public Evaluator create(ReviewStructureOptions options) {
        return new ReviewStructureEvaluator(options);
    }
}
