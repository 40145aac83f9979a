package dev.longtune.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.longtune.api.DataRecord;
import dev.longtune.api.FineTuningMethodFactory;
import dev.longtune.api.LanguageModel;
import dev.longtune.api.PluginFamily;
import dev.longtune.api.TrainingJob;
import dev.longtune.api.TrainingOutcome;
import dev.longtune.api.config.DataConfig;
import dev.longtune.api.config.TrainingConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Contract of a fine-tuning method, run for a few steps on a small model and a few records. */
public abstract class FineTuningMethodContract<O> extends PluginFactoryContract<O> {

    @Override
    protected abstract FineTuningMethodFactory<O> factory();

    @Override
    protected PluginFamily family() {
        return PluginFamily.METHOD;
    }

    protected abstract LanguageModel model(NDManager manager) throws IOException;

    protected abstract List<DataRecord> records();

    @TempDir
    Path out;

    @Test
    void trainsAFewStepsWithFiniteLossWithoutTouchingTheModelsMemory() throws IOException {
        TrainingConfig training = new TrainingConfig(1, 3, 2, 1, 1e-3, "constant", 0, 0.0, 0.0, 0.0, null, null, null,
                1.0, 1, 0, null, null, null);
        DataConfig data = new DataConfig(null, null, null, "auto", 64, null, null);
        try (TestRunContext ctx = new TestRunContext(out); LanguageModel m = model(ctx.manager())) {
            // Not cap(): DJL attaches every getGradient() handle to the parameter's manager, so a training method
            // must touch it. What it must not do is leave anything there.
            int before = m.manager().getManagedArrays().size();
            TrainingOutcome o = factory().create(sampleBound()).train(new TrainingJob(m, records(), List.of(), data,
                    training, ctx));
            assertTrue(o.steps() == 3, "max_steps 3 must run exactly 3 optimiser steps, ran " + o.steps());
            assertTrue(Double.isFinite(o.finalLoss()), "final loss " + o.finalLoss());
            assertEquals(before, m.manager().getManagedArrays().size(),
                    "training left arrays on the model's manager (activations or gradient handles not closed)");
        }
    }
}
