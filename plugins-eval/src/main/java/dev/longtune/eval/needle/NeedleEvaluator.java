package dev.longtune.eval.needle;

import dev.longtune.api.EvaluationJob;
import dev.longtune.api.EvaluationResult;
import dev.longtune.api.Evaluator;
import dev.longtune.api.Generation;
import dev.longtune.api.GenerationOptions;
import dev.longtune.api.LanguageModel;
import dev.longtune.api.RunContext;
import dev.longtune.api.TextTokenizer;
import dev.longtune.eval.EvalFiles;
import dev.longtune.eval.Lengths;
import dev.longtune.eval.plot.HeatMap;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.IntPredicate;

/**
 * Needle in a haystack (numerics spec F, gkamradt's NIAH): for every context length × depth, the needle sentence is
 * spliced into the haystack at the depth (moved back to a sentence end), the prompt asks the question, and the
 * model's greedy answer is scored.
 *
 * <p>Where this differs from the protocol, and why:
 * <ul>
 *   <li>Scoring: the protocol asks an LLM judge (GPT-4, temperature 0) for a 1–10 accuracy score; offline there is no
 *       judge, so the answer is scored 0–1 by the needle's key phrases ({@link KeyPhraseScore}).
 *   <li>The "." test: the original compares with the ids of {@code encode(".")}, which for SentencePiece tokenizers
 *       can be {@code "▁."} or include a bare {@code "▁"} and so miss (or over-match) the periods inside the text.
 *       Here a token is a period when its own decoded text, whitespace stripped, is exactly {@code "."}.
 *   <li>Insertion works on token ids without the original's decode/encode round trip ({@link NeedleInsertion}).
 *   <li>Prompt: see {@link NeedleOptions.Template}.
 * </ul>
 *
 * <p>Writes {@code eval/needle-<phase>.csv} (one row per cell, with the model's answer), {@code
 * eval/needle-<phase>.png} (the heat map) and one row on the {@code eval} metrics stream.
 */
public final class NeedleEvaluator implements Evaluator {

    private final NeedleOptions options;

    public NeedleEvaluator(NeedleOptions options) {
        this.options = options;
    }

    /** One cell of the grid; {@code status} is {@code ok} or why it was skipped (then {@code score} is NaN). */
    record Cell(int length, double depth, double score, int haystackTokens, int insertionPoint, int promptTokens,
            String answer, String status) {}

    @Override
    public EvaluationResult evaluate(EvaluationJob job) throws IOException {
        LanguageModel model = job.model();
        RunContext context = job.context();
        TextTokenizer tokenizer = model.tokenizer();
        int modelContext = model.config().maxPositionEmbeddings();
        List<Integer> lengths = Lengths.resolve(options.lengths(), modelContext);
        List<Double> depths = options.depths();

        int[] needle = tokenizer.encode(options.needle());
        int[] haystack = Haystack.tokens(tokenizer, Haystack.read(options.haystack()),
                Collections.max(lengths));
        IntPredicate isPeriod = periodTest(tokenizer);

        List<Cell> cells = new ArrayList<>();
        try (RunContext.Progress progress = context.progress(NeedleFactory.NAME, (long) lengths.size() * depths.size(),
                "cell")) {
            for (int length : lengths) {
                for (double depth : depths) {
                    cells.add(runCell(model, haystack, needle, length, depth, modelContext, isPeriod));
                    Cell last = cells.get(cells.size() - 1);
                    progress.advance(1, Map.of("length", length, "depth", depth, "score",
                            Double.isNaN(last.score()) ? "skipped" : format(last.score())));
                }
            }
        }

        double[][] grid = new double[depths.size()][lengths.size()];
        Map<String, Double> metrics = new LinkedHashMap<>();
        double sum = 0;
        int measured = 0;
        for (int c = 0; c < lengths.size(); c++) {
            double lengthSum = 0;
            int lengthMeasured = 0;
            for (int r = 0; r < depths.size(); r++) {
                double s = cells.get(c * depths.size() + r).score();
                grid[r][c] = s;
                if (!Double.isNaN(s)) {
                    lengthSum += s;
                    lengthMeasured++;
                }
            }
            if (lengthMeasured > 0) {
                metrics.put("score@" + lengths.get(c), lengthSum / lengthMeasured);
            }
            sum += lengthSum;
            measured += lengthMeasured;
        }
        metrics.put("score", measured == 0 ? 0.0 : sum / measured);
        metrics.put("cells_measured", (double) measured);
        metrics.put("cells_skipped", (double) (cells.size() - measured));

        Path table = EvalFiles.relative(NeedleFactory.NAME, job.phase(), "csv");
        Path plot = EvalFiles.relative(NeedleFactory.NAME, job.phase(), "png");
        writeTable(context.outputDir().resolve(table), cells);
        new HeatMap("Needle in a haystack (" + job.phase() + "): key-phrase score", "context length (tokens)",
                "needle depth (%)", lengths.stream().map(String::valueOf).toList(),
                depths.stream().map(NeedleEvaluator::depthLabel).toList(), grid, 0, 1)
                .write(context.outputDir().resolve(plot));

        Map<String, Object> row = new LinkedHashMap<>();
        row.put("evaluator", NeedleFactory.NAME);
        row.put("phase", job.phase());
        row.putAll(metrics);
        if (measured < cells.size()) {
            row.put("warning", (cells.size() - measured) + " of " + cells.size() + " cells skipped; see " + table);
        }
        context.metrics().record("eval", row);
        return new EvaluationResult(NeedleFactory.NAME, metrics, List.of(table, plot));
    }

    private Cell runCell(LanguageModel model, int[] haystack, int[] needle, int length, double depth,
            int modelContext, IntPredicate isPeriod) {
        if (length > modelContext) {
            return skipped(length, depth, "skipped: longer than the model's context of " + modelContext
                    + " positions");
        }
        if (NeedleInsertion.budget(length, options.finalBuffer()) < needle.length) {
            return skipped(length, depth, "skipped: length minus final_buffer (" + options.finalBuffer()
                    + ") leaves no room for the needle's " + needle.length + " tokens");
        }
        TextTokenizer tokenizer = model.tokenizer();
        NeedleInsertion.Placement placement = NeedleInsertion.insert(haystack, needle, depth, length,
                options.finalBuffer(), isPeriod);
        String prompt = NeedlePrompt.build(options.template(), tokenizer.decode(placement.ids()), options.question());
        int[] ids = tokenizer.encodeWithBos(prompt);
        if (ids.length >= modelContext) {
            return skipped(length, depth, "skipped: the prompt has " + ids.length + " tokens, no room to answer in "
                    + "the model's context of " + modelContext + "; raise final_buffer");
        }
        Generation g = model.generate(ids, GenerationOptions.greedy(options.maxNewTokens()),
                LanguageModel.TokenListener.NONE);
        return new Cell(length, depth, KeyPhraseScore.score(g.text(), options.keyPhrases()),
                placement.haystackTokens(), placement.insertionPoint(), ids.length, g.text(), "ok");
    }

    private static Cell skipped(int length, double depth, String why) {
        return new Cell(length, depth, Double.NaN, 0, -1, 0, "", why);
    }

    /** A token is a period when its own text, whitespace stripped, is "." (see the class comment); memoised. */
    static IntPredicate periodTest(TextTokenizer tokenizer) {
        Map<Integer, Boolean> memo = new HashMap<>();
        return id -> memo.computeIfAbsent(id, k -> tokenizer.decode(new int[] {k}).strip().equals("."));
    }

    private static void writeTable(Path file, List<Cell> cells) throws IOException {
        List<List<?>> rows = new ArrayList<>();
        for (Cell c : cells) {
            boolean ran = !Double.isNaN(c.score());
            rows.add(List.of(c.length(), depthLabel(c.depth()), ran ? format(c.score()) : "",
                    ran ? c.haystackTokens() : "", ran ? c.insertionPoint() : "", ran ? c.promptTokens() : "",
                    c.answer(), c.status()));
        }
        EvalFiles.writeCsv(file, List.of("length", "depth_percent", "score", "haystack_tokens", "needle_at_token",
                "prompt_tokens", "answer", "status"), rows);
    }

    private static String depthLabel(double depth) {
        return depth == Math.rint(depth) ? String.valueOf((long) depth) : String.format(Locale.ROOT, "%.3g", depth);
    }

    private static String format(double v) {
        return String.format(Locale.ROOT, "%.4f", v);
    }
}
