package dev.longtune.training.preference;

import dev.longtune.api.FineTuningMethod;
import dev.longtune.api.FineTuningMethodFactory;

/** {@code method: {type: kto}}: Kahneman-Tversky optimisation (TRL KTOTrainer) on desirable/undesirable examples. Options: {@link KtoOptions}. */
public final class KtoMethodFactory implements FineTuningMethodFactory<KtoOptions> {

    @Override
    public String name() {
        return "kto";
    }

    @Override
    public Class<KtoOptions> optionsType() {
        return KtoOptions.class;
    }

    @Override
    public String description() {
        return "Kahneman-Tversky optimisation (TRL KTOTrainer) on desirable/undesirable examples";
    }

    @Override
    public FineTuningMethod create(KtoOptions options) {
        return PreferenceMethod.kto(options == null ? KtoOptions.defaults() : options);
    }
}
