package dev.longtune.training;

import dev.longtune.api.FineTuningMethodFactory;
import dev.longtune.api.LongtunePlugin;
import dev.longtune.training.sft.SftMethodFactory;
import java.util.List;

/** The training plugin: fine-tuning methods built on the shared {@link dev.longtune.training.loop.TrainingLoop}. */
public final class TrainingPlugin implements LongtunePlugin {

    @Override
    public List<FineTuningMethodFactory<?>> fineTuningMethods() {
        return List.of(new SftMethodFactory());
    }
}
