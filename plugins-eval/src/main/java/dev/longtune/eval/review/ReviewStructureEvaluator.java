package dev.longtune.eval.review;

import dev.longtune.api.DataRecord;
import dev.longtune.api.EvaluationJob;
import dev.longtune.api.EvaluationResult;
import dev.longtune.api.Evaluator;
import dev.longtune.api.GeneratedText;
import dev.longtune.api.LongtuneException;
import dev.longtune.eval.EvalFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Scores each generated review by the share of the four reviewer criteria it covers ({@link ReviewStructure}), and
 * each record's reference review the same way, so the table reads "model vs human reviewers". The generations come
 * from the job's shared generation pass, so with {@code rouge}, {@code bleu} or {@code judge} in the same phase the
 * model generates once.
 *
 * <p>Metrics: {@code coverage} (mean score, 0–1), {@code all_four} (fraction of reviews covering all four), per
 * criterion the fraction of reviews covering it ({@code novelty}, {@code accept}, {@code reject},
 * {@code suggestions}), the same with a {@code reference_} prefix over the records that have a reference, and
 * {@code records}. Writes {@code eval/review_structure-<phase>.csv}: one row per record with the per-criterion hits,
 * the evidence (which heading or cue phrase was found) and the generated text.
 */
public final class ReviewStructureEvaluator implements Evaluator {

    private final ReviewStructureOptions options;

    public ReviewStructureEvaluator(ReviewStructureOptions options) {
        this.options = options;
    }

    @Override
    public EvaluationResult evaluate(EvaluationJob job) throws IOException {
        List<DataRecord> records = job.records();
        if (records.isEmpty()) {
            throw new LongtuneException(ReviewStructureFactory.NAME + " needs held-out records (paper → review): set "
                    + "data.eval to a file, or data.eval_split to a fraction of the training data");
        }
        if (options.maxRecords() > 0 && records.size() > options.maxRecords()) {
            records = records.subList(0, options.maxRecords());
        }
        List<GeneratedText> answers = job.generations().generate(records);

        Tally model = new Tally();
        Tally reference = new Tally();
        int truncated = 0;
        List<List<?>> rows = new ArrayList<>();
        for (GeneratedText g : answers) {
            ReviewStructure.Coverage m = ReviewStructure.analyse(g.output(), options.minChars());
            model.add(m);
            ReviewStructure.Coverage r = null;
            if (!g.reference().isBlank()) {
                r = ReviewStructure.analyse(g.reference(), options.minChars());
                reference.add(r);
            }
            truncated += g.promptTruncated() ? 1 : 0;
            rows.add(row(g, m, r));
        }

        Map<String, Double> metrics = new LinkedHashMap<>();
        model.putInto(metrics, "");
        if (reference.reviews > 0) {
            reference.putInto(metrics, "reference_");
        }
        metrics.put("records", (double) answers.size());
        metrics.put("prompts_truncated", (double) truncated);

        Path table = EvalFiles.relative(ReviewStructureFactory.NAME, job.phase(), "csv");
        EvalFiles.writeCsv(job.context().outputDir().resolve(table), header(), rows);

        Map<String, Object> row = new LinkedHashMap<>();
        row.put("evaluator", ReviewStructureFactory.NAME);
        row.put("phase", job.phase());
        row.putAll(metrics);
        job.context().metrics().record("eval", row);
        return new EvaluationResult(ReviewStructureFactory.NAME, metrics, List.of(table));
    }

    private static List<String> header() {
        List<String> h = new ArrayList<>(List.of("record", "score"));
        for (ReviewCriterion c : ReviewCriterion.values()) {
            h.add(c.key());
        }
        h.add("reference_score");
        for (ReviewCriterion c : ReviewCriterion.values()) {
            h.add("reference_" + c.key());
        }
        h.addAll(List.of("evidence", "reference_evidence", "prompt_tokens", "prompt_truncated", "output_tokens",
                "output"));
        return h;
    }

    private static List<?> row(GeneratedText g, ReviewStructure.Coverage m, ReviewStructure.Coverage r) {
        List<Object> cells = new ArrayList<>();
        cells.add(g.record().where());
        cells.add(format(m.score()));
        for (ReviewCriterion c : ReviewCriterion.values()) {
            cells.add(m.covers(c) ? 1 : 0);
        }
        cells.add(r == null ? "" : format(r.score()));
        for (ReviewCriterion c : ReviewCriterion.values()) {
            cells.add(r == null ? "" : r.covers(c) ? 1 : 0);
        }
        cells.add(evidence(m));
        cells.add(r == null ? "" : evidence(r));
        cells.add(g.promptTokens());
        cells.add(g.promptTruncated());
        cells.add(g.outputTokens());
        cells.add(g.output());
        return cells;
    }

    private static String evidence(ReviewStructure.Coverage c) {
        return c.evidence().entrySet().stream().map(e -> e.getKey().key() + ": " + e.getValue())
                .collect(Collectors.joining("; "));
    }

    private static String format(double v) {
        return String.format(Locale.ROOT, "%.4f", v);
    }

    /** Sums over reviews: coverage, all-four count, per-criterion hits. */
    private static final class Tally {
        int reviews;
        double coverage;
        int allFour;
        final int[] hits = new int[ReviewCriterion.values().length];

        void add(ReviewStructure.Coverage c) {
            reviews++;
            coverage += c.score();
            allFour += c.count() == hits.length ? 1 : 0;
            for (ReviewCriterion k : ReviewCriterion.values()) {
                hits[k.ordinal()] += c.covers(k) ? 1 : 0;
            }
        }

        void putInto(Map<String, Double> metrics, String prefix) {
            metrics.put(prefix + "coverage", coverage / reviews);
            metrics.put(prefix + "all_four", allFour / (double) reviews);
            for (ReviewCriterion k : ReviewCriterion.values()) {
                metrics.put(prefix + k.key(), hits[k.ordinal()] / (double) reviews);
            }
        }
    }
}
