package dev.longtune.eval.judge;

import dev.longtune.api.Evaluator;
import dev.longtune.api.EvaluatorFactory;

/**
 * {@code evaluation: [{type: judge, base_url: https://api.openai.com/v1, model: gpt-4, api_key_env: OPENAI_API_KEY}]}:
 * pairwise LLM-as-judge with position swap (numerics spec F, FastChat's {@code pair-v2}).
 */
public final class JudgeFactory implements EvaluatorFactory<JudgeOptions> {

    public static final String NAME = "judge";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Class<JudgeOptions> optionsType() {
        return JudgeOptions.class;
    }

    @Override
    public String description() {
        return "Pairwise LLM-as-judge (FastChat pair-v2, both orders) against an OpenAI-compatible endpoint: "
                + "wins, losses, ties, win rate";
    }

    @Override
    public Evaluator create(JudgeOptions options) {
        return new JudgeEvaluator(options);
    }
}
