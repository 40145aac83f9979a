package dev.longtune.api;

import java.io.IOException;

/** A configured evaluator. */
public interface Evaluator {

    /**
     * Scores {@code job.model()}. Files a person should open (CSV, PNG) go under {@code job.context().outputDir()}
     * and are listed in the result.
     */
    EvaluationResult evaluate(EvaluationJob job) throws IOException;
}
