package dev.longtune.training.preference;

import dev.longtune.api.FineTuningMethod;
import dev.longtune.api.FineTuningMethodFactory;

/** {@code method: {type: simpo}}: SimPO (TRL CPOTrainer loss_type=simpo), length-normalised, no reference model. Options: {@link SimpoOptions}. */
public final class SimpoMethodFactory implements FineTuningMethodFactory<SimpoOptions> {

    @Override
    public String name() {
        return "simpo";
    }

    @Override
    public Class<SimpoOptions> optionsType() {
        return SimpoOptions.class;
    }

    @Override
    public String description() {
        return "SimPO (TRL CPOTrainer loss_type=simpo), length-normalised, no reference model";
    }

    @Override
    public FineTuningMethod create(SimpoOptions options) {
        return PreferenceMethod.simpo(options == null ? SimpoOptions.defaults() : options);
    }
}
