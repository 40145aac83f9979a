package dev.longtune.eval.passkey;

import dev.longtune.api.Evaluator;
import dev.longtune.api.EvaluatorFactory;

/** {@code evaluation: [{type: passkey, lengths: [1024, 2048, 4096], trials: 10}]}: passkey retrieval (spec F). */
public final class PasskeyFactory implements EvaluatorFactory<PasskeyOptions> {

    public static final String NAME = "passkey";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Class<PasskeyOptions> optionsType() {
        return PasskeyOptions.class;
    }

    @Override
    public String description() {
        return "Passkey retrieval accuracy per context length (LongLoRA / landmark-attention protocol)";
    }

    @Override
    public Evaluator create(PasskeyOptions options) {
        return new PasskeyEvaluator(options);
    }
}
