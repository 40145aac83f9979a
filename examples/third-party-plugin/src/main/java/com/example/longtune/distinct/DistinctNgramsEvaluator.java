package com.example.longtune.distinct;

import dev.longtune.api.DataRecord;
import dev.longtune.api.EvaluationJob;
import dev.longtune.api.EvaluationResult;
import dev.longtune.api.Evaluator;
import dev.longtune.api.Generation;
import dev.longtune.api.GenerationOptions;
import dev.longtune.api.LanguageModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Greedy-continues the prompts of the first held-out records and reports distinct-n: unique n-grams of generated
 * token ids over all generated n-grams (1.0 = never repeats itself; near 0 = loops).
 */
final class DistinctNgramsEvaluator implements Evaluator {

    private final DistinctNgramsOptions options;

    DistinctNgramsEvaluator(DistinctNgramsOptions options) {
        this.options = options;
    }

    @Override
    public EvaluationResult evaluate(EvaluationJob job) {
        LanguageModel model = job.model();
        GenerationOptions greedy = new GenerationOptions(options.maxNewTokens(), 0f, 0, 1f, job.context().seed(), false);
        List<int[]> outputs = new ArrayList<>();
        List<DataRecord> records = job.records().subList(0, Math.min(options.samples(), job.records().size()));
        for (DataRecord r : records) {
            int[] prompt = model.tokenizer().encodeWithBos(job.context().format(r).prompt());
            Generation g = model.generate(prompt, greedy, LanguageModel.TokenListener.NONE);
            outputs.add(g.tokenIds());
        }
        if (outputs.isEmpty()) {
            // No held-out records: continue from BOS alone.
            outputs.add(model.generate(model.tokenizer().encodeWithBos(""), greedy, LanguageModel.TokenListener.NONE)
                    .tokenIds());
        }
        long total = 0;
        Set<List<Integer>> unique = new HashSet<>();
        for (int[] ids : outputs) {
            total += Math.max(0, ids.length - options.n() + 1);
            unique.addAll(ngrams(ids, options.n()));
        }
        double distinct = total == 0 ? 0.0 : (double) unique.size() / total;
        return new EvaluationResult("distinct_ngrams", Map.of("distinct_" + options.n(), distinct,
                "ngrams", (double) total, "samples", (double) outputs.size()), List.of());
    }

    /** Every n-gram of {@code ids}, in order. */
    static List<List<Integer>> ngrams(int[] ids, int n) {
        List<List<Integer>> out = new ArrayList<>();
        for (int i = 0; i + n <= ids.length; i++) {
            out.add(Arrays.stream(Arrays.copyOfRange(ids, i, i + n)).boxed().toList());
        }
        return out;
    }
}
