package dev.longtune.api;

import dev.longtune.api.config.DataConfig;
import dev.longtune.api.config.TrainingConfig;
import java.util.List;

/**
 * Everything a {@link FineTuningMethod} needs for one run.
 *
 * @param train training records, in file order (the method shuffles with {@code context.seed()})
 * @param eval held-out records (may be empty)
 * @param data the run's data settings (format, cut-off length, prompt masking)
 * @param training the run's loop settings (optimiser, schedule, batch, clipping)
 */
public record TrainingJob(
        LanguageModel model,
        List<DataRecord> train,
        List<DataRecord> eval,
        DataConfig data,
        TrainingConfig training,
        RunContext context) {}
