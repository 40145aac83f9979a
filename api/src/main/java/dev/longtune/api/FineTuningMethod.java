package dev.longtune.api;

import java.io.IOException;

/** A configured fine-tuning method. It owns its training loop; Longtune's built-in methods share one. */
public interface FineTuningMethod {

    /**
     * Trains {@code job.model()} in place on {@code job.train()}. Progress, per-step metrics and checkpoints go
     * through {@code job.context()}; the host exports the model and runs evaluators afterwards.
     */
    TrainingOutcome train(TrainingJob job) throws IOException;
}
