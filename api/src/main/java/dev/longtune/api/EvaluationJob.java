package dev.longtune.api;

import java.util.List;

/**
 * @param records the held-out records to evaluate on (may be empty for evaluators that make their own data)
 * @param phase label of when this runs, e.g. {@code before} or {@code after} training; used in file names
 */
public record EvaluationJob(LanguageModel model, List<DataRecord> records, String phase, RunContext context) {}
