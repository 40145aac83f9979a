package dev.longtune.eval;

import dev.longtune.api.EvaluatorFactory;
import dev.longtune.api.LongtunePlugin;
import dev.longtune.eval.bleu.BleuFactory;
import dev.longtune.eval.bylength.PerplexityByLengthFactory;
import dev.longtune.eval.judge.JudgeFactory;
import dev.longtune.eval.needle.NeedleFactory;
import dev.longtune.eval.passkey.PasskeyFactory;
import dev.longtune.eval.perplexity.PerplexityFactory;
import dev.longtune.eval.review.ReviewStructureFactory;
import dev.longtune.eval.rouge.RougeFactory;
import java.util.List;

/**
 * The built-in evaluators. Listed in {@code META-INF/services/dev.longtune.api.LongtunePlugin}; a new evaluator is
 * one more factory in this list.
 */
public final class EvalPlugin implements LongtunePlugin {

    @Override
    public List<EvaluatorFactory<?>> evaluators() {
        return List.of(new PerplexityFactory(), new PerplexityByLengthFactory(), new PasskeyFactory(),
                new NeedleFactory(), new RougeFactory(), new BleuFactory(), new JudgeFactory(),
                new ReviewStructureFactory());
    }
}
