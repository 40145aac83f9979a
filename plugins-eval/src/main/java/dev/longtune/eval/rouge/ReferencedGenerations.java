package dev.longtune.eval.rouge;

import dev.longtune.api.DataRecord;
import dev.longtune.api.EvaluationJob;
import dev.longtune.api.GeneratedText;
import dev.longtune.api.LongtuneException;
import java.util.ArrayList;
import java.util.List;

/**
 * The held-out records a reference-based metric (rouge, bleu) can score, with the model's answers to them. A record
 * counts when the run's data format gives it a non-blank completion (the reference); the others are skipped and
 * counted, so a report says how many records the number rests on. Answers come from the job's
 * {@link dev.longtune.api.GenerationSource}, which the host caches per phase, so rouge, bleu and the samples share
 * one generation pass.
 *
 * @param answers the model's answers to the scored records, in record order
 * @param skipped records without a reference
 */
public record ReferencedGenerations(List<GeneratedText> answers, int skipped) {

    /**
     * @param maxRecords score at most the first this many records that have a reference; 0 means all
     */
    public static ReferencedGenerations collect(EvaluationJob job, int maxRecords, String evaluator) {
        List<DataRecord> scored = new ArrayList<>();
        int skipped = 0;
        for (DataRecord r : job.records()) {
            if (maxRecords > 0 && scored.size() >= maxRecords) {
                break;
            }
            if (job.context().format(r).completion().isBlank()) {
                skipped++;
            } else {
                scored.add(r);
            }
        }
        List<GeneratedText> answers = scored.isEmpty() ? List.of() : job.generations().generate(scored);
        if (answers.size() != scored.size()) {
            throw new LongtuneException("evaluator '" + evaluator + "': the generation source returned "
                    + answers.size() + " answers for " + scored.size() + " records; it must answer each record once");
        }
        return new ReferencedGenerations(List.copyOf(answers), skipped);
    }

    /** A note for the metrics row when nothing could be scored; null otherwise. */
    public String warning(String evaluator) {
        if (!answers.isEmpty()) {
            return null;
        }
        return skipped == 0 ? "no held-out records to score (give data.eval records with a completion)"
                : "none of the " + skipped + " held-out records has a completion to compare with (" + evaluator
                        + " needs records with a reference answer, e.g. alpaca 'output' or prompt_completion "
                        + "'completion')";
    }
}
