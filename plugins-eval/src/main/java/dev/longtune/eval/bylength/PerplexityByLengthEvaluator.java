package dev.longtune.eval.bylength;

import dev.longtune.api.EvaluationJob;
import dev.longtune.api.EvaluationResult;
import dev.longtune.api.Evaluator;
import dev.longtune.api.LanguageModel;
import dev.longtune.api.LongtuneException;
import dev.longtune.api.RunContext;
import dev.longtune.eval.EvalFiles;
import dev.longtune.eval.Lengths;
import dev.longtune.eval.perplexity.PerplexityOptions.Join;
import dev.longtune.eval.perplexity.TokenStreams;
import dev.longtune.eval.perplexity.WindowScorer;
import dev.longtune.eval.perplexity.WindowScorer.Totals;
import dev.longtune.eval.plot.LinePlot;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Sliding-window perplexity (the {@code perplexity} evaluator's windows and scoring, through {@link WindowScorer}) at
 * each of several window lengths: the figure that shows whether a context extension holds — flat or falling
 * perplexity as the window grows, rather than a blow-up past the original context. The held-out records become the
 * same token stream(s) as in {@code perplexity} ({@link TokenStreams}), so at a given length and stride the two
 * evaluators report the same number.
 *
 * <p>A length longer than the text is not measured: every window would be the whole text, so the number would
 * repeat a shorter length's and the plot would claim a length the text never reached. Such lengths get a
 * {@code skipped} row in the CSV, no metric, and a {@code warning} in the metrics row. If no length fits, the
 * evaluation fails, naming the text's length.
 *
 * <p>Writes {@code eval/perplexity_by_length-<phase>.csv}, {@code eval/perplexity_by_length-<phase>.png} and one row
 * on the {@code eval} metrics stream.
 */
public final class PerplexityByLengthEvaluator implements Evaluator {

    private final PerplexityByLengthOptions options;

    public PerplexityByLengthEvaluator(PerplexityByLengthOptions options) {
        this.options = options;
    }

    /** One length's outcome; {@code totals} is null when it was skipped. */
    record Row(int length, int stride, Totals totals, String status) {}

    @Override
    public EvaluationResult evaluate(EvaluationJob job) throws IOException {
        if (job.records().isEmpty()) {
            throw new LongtuneException(PerplexityByLengthFactory.NAME + " needs held-out records: set data.eval to a "
                    + "file, or data.eval_split to a fraction of the training data");
        }
        LanguageModel model = job.model();
        RunContext context = job.context();
        List<Integer> lengths = Lengths.resolve(options.lengths(), model.config().maxPositionEmbeddings());
        List<TokenStreams.Stream> streams = TokenStreams.of(job.records(), context, model.tokenizer(), options.join(),
                0, options.score());
        int longest = streams.stream().mapToInt(TokenStreams.Stream::length).max().orElse(0);

        List<Integer> fitting = lengths.stream().filter(l -> l <= longest).toList();
        if (fitting.isEmpty()) {
            throw new LongtuneException(PerplexityByLengthFactory.NAME + ": the held-out text has only " + longest
                    + " tokens" + (options.join() == Join.SEPARATE
                            ? " in its longest record" : "") + ", shorter than every length " + lengths
                    + "; add held-out text or choose shorter lengths");
        }
        long total = 0;
        for (int l : fitting) {
            total += WindowScorer.windows(streams, l, strideFor(l));
        }

        List<Row> rows = new ArrayList<>();
        try (RunContext.Progress progress = context.progress(PerplexityByLengthFactory.NAME, total, "window")) {
            for (int length : lengths) {
                int stride = strideFor(length);
                if (length > longest) {
                    rows.add(new Row(length, stride, null, "skipped: the held-out text has only " + longest
                            + " tokens"));
                } else {
                    rows.add(new Row(length, stride, WindowScorer.score(model, context, streams, length, stride,
                            progress), "ok"));
                }
            }
        }

        Map<String, Double> metrics = new LinkedHashMap<>();
        List<LinePlot.Point> points = new ArrayList<>();
        for (Row r : rows) {
            if (r.totals() != null) {
                metrics.put("perplexity@" + r.length(), r.totals().perplexity());
                points.add(new LinePlot.Point(r.length(), r.totals().perplexity()));
            }
        }
        metrics.put("text_tokens", (double) longest);
        metrics.put("lengths_skipped", (double) (lengths.size() - fitting.size()));

        Path table = EvalFiles.relative(PerplexityByLengthFactory.NAME, job.phase(), "csv");
        Path plot = EvalFiles.relative(PerplexityByLengthFactory.NAME, job.phase(), "png");
        writeTable(context.outputDir().resolve(table), rows);
        new LinePlot("Perplexity by context length (" + job.phase() + ")", "context length (tokens)", "perplexity")
                .logY(options.logY()).series(job.phase(), points).write(context.outputDir().resolve(plot));

        Map<String, Object> row = new LinkedHashMap<>();
        row.put("evaluator", PerplexityByLengthFactory.NAME);
        row.put("phase", job.phase());
        row.putAll(metrics);
        if (fitting.size() < lengths.size()) {
            row.put("warning", "lengths " + lengths.subList(fitting.size(), lengths.size()) + " not measured: the "
                    + "held-out text has only " + longest + " tokens");
        }
        context.metrics().record("eval", row);
        return new EvaluationResult(PerplexityByLengthFactory.NAME, metrics, List.of(table, plot));
    }

    private int strideFor(int length) {
        return options.stride() > 0 ? options.stride() : Math.max(1, length / 2);
    }

    private static void writeTable(Path file, List<Row> rows) throws IOException {
        List<List<?>> out = new ArrayList<>();
        for (Row r : rows) {
            Totals t = r.totals();
            out.add(List.of(r.length(), r.stride(), t == null ? "" : format(t.perplexity()),
                    t == null ? "" : format(t.nllPerToken()), t == null ? "" : t.tokens(),
                    t == null ? "" : t.windows(), r.status()));
        }
        EvalFiles.writeCsv(file, List.of("length", "stride", "perplexity", "nll_per_token", "tokens", "windows",
                "status"), out);
    }

    private static String format(double v) {
        return String.format(Locale.ROOT, "%.6f", v);
    }
}
