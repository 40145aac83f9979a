package dev.longtune.training.preference;

import dev.longtune.api.FineTuningMethod;
import dev.longtune.api.FineTuningMethodFactory;

/** {@code method: {type: orpo}}: odds-ratio preference optimisation (TRL ORPO), no reference model. Options: {@link OrpoOptions}. */
public final class OrpoMethodFactory implements FineTuningMethodFactory<OrpoOptions> {

    @Override
    public String name() {
        return "orpo";
    }

    @Override
    public Class<OrpoOptions> optionsType() {
        return OrpoOptions.class;
    }

    @Override
    public String description() {
        return "odds-ratio preference optimisation (TRL ORPO), no reference model";
    }

    @Override
    public FineTuningMethod create(OrpoOptions options) {
        return PreferenceMethod.orpo(options == null ? OrpoOptions.defaults() : options);
    }
}
