package dev.longtune.api;

import java.util.List;

/**
 * @param records the held-out records to evaluate on (may be empty for evaluators that make their own data)
 * @param phase label of when this runs, e.g. {@code before} or {@code after} training; used in file names
 * @param generations the model's answers to held-out records with the run's generation settings, cached by the host
 *     per phase so that evaluators scoring the same records share one generation pass
 */
public record EvaluationJob(LanguageModel model, List<DataRecord> records, String phase, RunContext context,
        GenerationSource generations) {

    /** A job whose generations are made on demand, greedily, up to 256 new tokens, without a cache. */
    public EvaluationJob(LanguageModel model, List<DataRecord> records, String phase, RunContext context) {
        this(model, records, phase, context, GenerationSource.direct(model, context, GenerationOptions.greedy(256)));
    }
}
