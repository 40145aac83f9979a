package dev.longtune.training;

import dev.longtune.api.FineTuningMethodFactory;
import dev.longtune.api.LongtunePlugin;
import dev.longtune.training.preference.DpoMethodFactory;
import dev.longtune.training.preference.KtoMethodFactory;
import dev.longtune.training.preference.OrpoMethodFactory;
import dev.longtune.training.preference.SimpoMethodFactory;
import dev.longtune.training.sft.SftMethodFactory;
import java.util.List;

/** The training plugin: fine-tuning methods built on the shared {@link dev.longtune.training.loop.TrainingLoop}. */
public final class TrainingPlugin implements LongtunePlugin {

    @Override
    public List<FineTuningMethodFactory<?>> fineTuningMethods() {
        return List.of(new SftMethodFactory(), new DpoMethodFactory(), new OrpoMethodFactory(),
                new SimpoMethodFactory(), new KtoMethodFactory());
    }
}
