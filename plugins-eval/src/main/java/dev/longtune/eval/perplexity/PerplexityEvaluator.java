package dev.longtune.eval.perplexity;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.longtune.api.EvaluationJob;
import dev.longtune.api.EvaluationResult;
import dev.longtune.api.Evaluator;
import dev.longtune.api.LanguageModel;
import dev.longtune.api.LongtuneException;
import dev.longtune.api.RunContext;
import dev.longtune.api.nd.TokenLoss;
import dev.longtune.eval.perplexity.WindowScorer.Totals;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Sliding-window perplexity, as in Hugging Face's perplexity guide (numerics spec F): windows of {@code max_length}
 * tokens moved by {@code stride}, each scoring only the tokens no earlier window scored, so every token is predicted
 * once, with up to {@code max_length - stride} tokens of extra context. The windows are planned by
 * {@link SlidingWindows} and scored by {@link WindowScorer}; the records become token streams in
 * {@link TokenStreams}.
 *
 * <p>One deliberate difference from the guide: the guide turns each window's mean loss back into a sum by
 * multiplying with {@code labelled - 1}, which undercounts by one whenever the window's first label is already
 * {@code -100} (every overlapping window after the first). Here {@link TokenLoss#shiftedNll} returns the exact sum
 * and count, so the result is the true per-token average. The two agree exactly for {@code stride == max_length}.
 *
 * <p>Writes {@code eval/perplexity-<phase>.json} and one row on the {@code eval} metrics stream.
 */
public final class PerplexityEvaluator implements Evaluator {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final PerplexityOptions options;

    public PerplexityEvaluator(PerplexityOptions options) {
        this.options = options;
    }

    @Override
    public EvaluationResult evaluate(EvaluationJob job) throws IOException {
        if (job.records().isEmpty()) {
            throw new LongtuneException("perplexity needs held-out records: set data.eval to a file, or "
                    + "data.eval_split to a fraction of the training data");
        }
        LanguageModel model = job.model();
        RunContext context = job.context();
        int maxLength = options.maxLength() > 0 ? options.maxLength() : model.config().maxPositionEmbeddings();
        int stride = options.stride() > 0 ? options.stride() : Math.max(1, maxLength / 2);
        if (stride > maxLength) {
            throw new LongtuneException("perplexity: stride " + stride + " exceeds max_length " + maxLength
                    + (options.maxLength() > 0 ? "" : " (the model's context length)") + "; lower stride");
        }

        List<TokenStreams.Stream> streams = TokenStreams.of(job.records(), context, model.tokenizer(), options.join(),
                options.maxTokens(), options.score());
        Totals totals = score(model, context, streams, maxLength, stride);
        if (totals.tokens() == 0) {
            throw new LongtuneException("perplexity: the held-out records gave no token to score (each needs at "
                    + "least one token after BOS)");
        }

        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("perplexity", Math.exp(totals.nllPerToken()));
        metrics.put("nll_per_token", totals.nllPerToken());
        metrics.put("tokens", (double) totals.tokens());
        metrics.put("windows", (double) totals.windows());

        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("max_length", maxLength);
        settings.put("stride", stride);
        settings.put("max_tokens", options.maxTokens());
        settings.put("join", options.join().name().toLowerCase(Locale.ROOT));
        settings.put("score", options.score().name().toLowerCase(Locale.ROOT));
        settings.put("records", job.records().size());
        settings.put("model_max_positions", model.config().maxPositionEmbeddings());

        Path artifact = writeReport(context.outputDir(), job.phase(), metrics, settings);
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("evaluator", PerplexityFactory.NAME);
        row.put("phase", job.phase());
        row.putAll(metrics);
        context.metrics().record("eval", row);
        return new EvaluationResult(PerplexityFactory.NAME, metrics, List.of(artifact));
    }

    private static Totals score(LanguageModel model, RunContext context, List<TokenStreams.Stream> streams,
            int maxLength, int stride) {
        try (RunContext.Progress progress = context.progress(PerplexityFactory.NAME,
                WindowScorer.windows(streams, maxLength, stride), "window")) {
            return WindowScorer.score(model, context, streams, maxLength, stride, progress);
        }
    }

    /** {@code eval/perplexity-<phase>.json}, returned relative to the output folder. */
    private static Path writeReport(Path outputDir, String phase, Map<String, Double> metrics,
            Map<String, Object> settings) throws IOException {
        Path relative = Path.of("eval", PerplexityFactory.NAME + "-" + safeFileName(phase) + ".json");
        Path file = outputDir.resolve(relative);
        Files.createDirectories(file.getParent());
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("evaluator", PerplexityFactory.NAME);
        report.put("phase", phase);
        report.putAll(metrics);
        report.put("settings", settings);
        JSON.writeValue(file.toFile(), report);
        return relative;
    }

    /** The phase as a file-name part: {@code before}, {@code after}; anything unsafe becomes {@code _}. */
    public static String safeFileName(String phase) {
        return phase == null || phase.isBlank() ? "eval" : phase.replaceAll("[^A-Za-z0-9._-]", "_");
    }
}
