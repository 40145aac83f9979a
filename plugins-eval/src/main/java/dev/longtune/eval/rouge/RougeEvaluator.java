package dev.longtune.eval.rouge;

import dev.longtune.api.EvaluationJob;
import dev.longtune.api.EvaluationResult;
import dev.longtune.api.Evaluator;
import dev.longtune.api.GeneratedText;
import dev.longtune.eval.EvalFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * ROUGE-1, ROUGE-2, ROUGE-L and ROUGE-Lsum (numerics spec F; google-research's rouge_score) of the model's answers
 * against the held-out records' completions. Each measure is scored per record, and the reported P/R/F is the plain
 * mean over records (what rouge_score's {@code BootstrapAggregator} estimates as {@code mid}); with
 * {@code bootstrap > 0}, a 95% bootstrap interval of each mean F is reported beside it. F is on rouge_score's 0–1
 * scale.
 *
 * <p>Writes {@code eval/rouge-<phase>.csv} (one row per record: where it came from, the four scores with precision
 * and recall, the reference and the answer) and one row on the {@code eval} metrics stream.
 */
public final class RougeEvaluator implements Evaluator {

    /** The measures in report order, with how each is read off a pair's scores. */
    static final Map<String, Function<RougeScorer.Scores, RougeScore>> MEASURES = measures();

    private static Map<String, Function<RougeScorer.Scores, RougeScore>> measures() {
        Map<String, Function<RougeScorer.Scores, RougeScore>> m = new LinkedHashMap<>();
        m.put("rouge1", RougeScorer.Scores::rouge1);
        m.put("rouge2", RougeScorer.Scores::rouge2);
        m.put("rougeL", RougeScorer.Scores::rougeL);
        m.put("rougeLsum", RougeScorer.Scores::rougeLsum);
        return m;
    }

    private final RougeOptions options;

    public RougeEvaluator(RougeOptions options) {
        this.options = options;
    }

    @Override
    public EvaluationResult evaluate(EvaluationJob job) throws IOException {
        ReferencedGenerations data = ReferencedGenerations.collect(job, options.maxRecords(), RougeFactory.NAME);
        RougeScorer scorer = new RougeScorer(options.useStemmer());
        List<RougeScorer.Scores> scores = new ArrayList<>();
        for (GeneratedText g : data.answers()) {
            scores.add(scorer.score(g.reference(), g.output()));
        }

        Map<String, Double> metrics = new LinkedHashMap<>();
        int n = scores.size();
        if (n > 0) {
            for (Map.Entry<String, Function<RougeScorer.Scores, RougeScore>> e : MEASURES.entrySet()) {
                double[] f = new double[n];
                double p = 0;
                double r = 0;
                for (int i = 0; i < n; i++) {
                    RougeScore s = e.getValue().apply(scores.get(i));
                    f[i] = s.fmeasure();
                    p += s.precision();
                    r += s.recall();
                }
                metrics.put(e.getKey(), Arrays.stream(f).sum() / n);
                metrics.put(e.getKey() + "_precision", p / n);
                metrics.put(e.getKey() + "_recall", r / n);
                if (options.bootstrap() > 0) {
                    // One seed per measure, from the run's seed, so the intervals are reproducible.
                    BootstrapInterval ci = BootstrapInterval.of(f, options.bootstrap(), 0.95,
                            job.context().seed() * 31 + e.getKey().hashCode());
                    metrics.put(e.getKey() + "_low", ci.low());
                    metrics.put(e.getKey() + "_high", ci.high());
                }
            }
        }
        metrics.put("records", (double) n);
        metrics.put("skipped", (double) data.skipped());

        Path table = EvalFiles.relative(RougeFactory.NAME, job.phase(), "csv");
        writeTable(job.context().outputDir().resolve(table), data.answers(), scores);

        Map<String, Object> row = new LinkedHashMap<>();
        row.put("evaluator", RougeFactory.NAME);
        row.put("phase", job.phase());
        row.putAll(metrics);
        String warning = data.warning(RougeFactory.NAME);
        if (warning != null) {
            row.put("warning", warning);
        }
        job.context().metrics().record("eval", row);
        return new EvaluationResult(RougeFactory.NAME, metrics, List.of(table));
    }

    private static void writeTable(Path file, List<GeneratedText> answers, List<RougeScorer.Scores> scores)
            throws IOException {
        List<String> header = new ArrayList<>(List.of("record"));
        for (String m : MEASURES.keySet()) {
            header.addAll(List.of(m, m + "_precision", m + "_recall"));
        }
        header.addAll(List.of("prompt_truncated", "reference", "output"));
        List<List<?>> rows = new ArrayList<>();
        for (int i = 0; i < answers.size(); i++) {
            GeneratedText g = answers.get(i);
            List<Object> row = new ArrayList<>(List.of(g.record().where()));
            for (Function<RougeScorer.Scores, RougeScore> read : MEASURES.values()) {
                RougeScore s = read.apply(scores.get(i));
                row.addAll(List.of(format(s.fmeasure()), format(s.precision()), format(s.recall())));
            }
            row.addAll(List.of(g.promptTruncated(), g.reference(), g.output()));
            rows.add(row);
        }
        EvalFiles.writeCsv(file, header, rows);
    }

    static String format(double v) {
        return String.format(Locale.ROOT, "%.4f", v);
    }
}
