package dev.longtune.training.sft;

import dev.longtune.api.FineTuningMethod;
import dev.longtune.api.FineTuningMethodFactory;

/** {@code method: {type: sft}}: full supervised fine-tuning of every (non-frozen) weight. */
public final class SftMethodFactory implements FineTuningMethodFactory<SftOptions> {

    @Override
    public String name() {
        return "sft";
    }

    @Override
    public Class<SftOptions> optionsType() {
        return SftOptions.class;
    }

    @Override
    public String description() {
        return "full supervised fine-tuning (all weights, AdamW, prompt tokens masked from the loss)";
    }

    @Override
    public FineTuningMethod create(SftOptions options) {
        return new SftMethod(options == null ? SftOptions.defaults() : options);
    }
}
