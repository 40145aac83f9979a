package dev.longtune.training.preference;

import dev.longtune.api.FineTuningMethod;
import dev.longtune.api.FineTuningMethodFactory;

/** {@code method: {type: dpo}}: direct preference optimisation (TRL DPOTrainer: sigmoid, cdpo, robust, hinge, ipo), reference = initial weights. Options: {@link DpoOptions}. */
public final class DpoMethodFactory implements FineTuningMethodFactory<DpoOptions> {

    @Override
    public String name() {
        return "dpo";
    }

    @Override
    public Class<DpoOptions> optionsType() {
        return DpoOptions.class;
    }

    @Override
    public String description() {
        return "direct preference optimisation (TRL DPOTrainer: sigmoid, cdpo, robust, hinge, ipo), reference = initial weights";
    }

    @Override
    public FineTuningMethod create(DpoOptions options) {
        return PreferenceMethod.dpo(options == null ? DpoOptions.defaults() : options);
    }
}
