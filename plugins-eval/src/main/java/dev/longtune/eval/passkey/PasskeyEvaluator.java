package dev.longtune.eval.passkey;

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
import dev.longtune.eval.plot.LinePlot;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Passkey retrieval (numerics spec F, LongLoRA's {@code passkey_retrivial.py}): at each context length, {@code trials}
 * prompts hide a five-digit-or-shorter key in repeated garbage; the model decodes greedily exactly as many tokens as
 * the key has ({@code encode(key)}: the original's answer ids with BOS dropped), and a test counts only when every
 * token matches. Accuracy per length is the fraction of tests passed.
 *
 * <p>Where this differs from the script, and why: lengths are in tokens rather than garbage characters (see
 * {@link GarbageBudget}); keys and splits come from {@code java.util.Random(seed + i)}, since numpy's generator is
 * not reproducible here (see {@link PasskeyPrompt#draw}). The landmark original's alternative scoring (first integer
 * in 10 generated tokens) is not used; the model's decoded answer is kept in the trials table for reading.
 *
 * <p>Writes {@code eval/passkey-<phase>.csv} (one row per length), {@code eval/passkey-<phase>-trials.csv} (one per
 * test), {@code eval/passkey-<phase>.png} (accuracy against length) and one row on the {@code eval} metrics stream.
 */
public final class PasskeyEvaluator implements Evaluator {

    private final PasskeyOptions options;

    public PasskeyEvaluator(PasskeyOptions options) {
        this.options = options;
    }

    /** The outcome at one length; {@code skipped} is null when it ran. */
    record LengthResult(int length, int garbageChars, List<Trial> trials, String skipped) {

        double accuracy() {
            return trials.isEmpty() ? Double.NaN
                    : trials.stream().filter(Trial::correct).count() / (double) trials.size();
        }

        double meanPromptTokens() {
            return trials.stream().mapToInt(Trial::promptTokens).average().orElse(Double.NaN);
        }
    }

    record Trial(int index, long seed, PasskeyPrompt.Test test, int promptTokens, String modelAnswer,
            boolean correct) {}

    @Override
    public EvaluationResult evaluate(EvaluationJob job) throws IOException {
        LanguageModel model = job.model();
        RunContext context = job.context();
        TextTokenizer tokenizer = model.tokenizer();
        int modelContext = model.config().maxPositionEmbeddings();
        List<Integer> lengths = Lengths.resolve(options.lengths(), modelContext);

        // Size every length first, so the progress bar knows its total and a too-short length is reported up front.
        Map<Integer, Integer> garbage = new LinkedHashMap<>();
        for (int length : lengths) {
            garbage.put(length, length > modelContext ? -2 : GarbageBudget.garbageChars(tokenizer, length));
        }
        long runnable = garbage.values().stream().filter(g -> g >= 0).count();

        List<LengthResult> results = new ArrayList<>();
        try (RunContext.Progress progress = context.progress(PasskeyFactory.NAME, runnable * options.trials(),
                "test")) {
            for (int length : lengths) {
                int chars = garbage.get(length);
                if (chars == -2) {
                    results.add(new LengthResult(length, -1, List.of(), "skipped: longer than the model's context of "
                            + modelContext + " positions"));
                } else if (chars == -1) {
                    results.add(new LengthResult(length, -1, List.of(), "skipped: the prompt without garbage needs "
                            + (GarbageBudget.probeTokens(tokenizer, 0) + GarbageBudget.SLACK_TOKENS) + " tokens"));
                } else {
                    results.add(runLength(model, length, chars, progress));
                }
            }
        }

        Map<String, Double> metrics = new LinkedHashMap<>();
        List<LinePlot.Point> points = new ArrayList<>();
        double sum = 0;
        int measured = 0;
        for (LengthResult r : results) {
            if (r.skipped() == null) {
                metrics.put("accuracy@" + r.length(), r.accuracy());
                points.add(new LinePlot.Point(r.length(), r.accuracy()));
                sum += r.accuracy();
                measured++;
            }
        }
        // The mean over lengths, so a run compares with one number; 0 lengths measured is reported, not hidden.
        metrics.put("accuracy", measured == 0 ? 0.0 : sum / measured);
        metrics.put("lengths_measured", (double) measured);
        metrics.put("lengths_skipped", (double) (results.size() - measured));

        Path table = EvalFiles.relative(PasskeyFactory.NAME, job.phase(), "csv");
        Path trials = EvalFiles.relative(PasskeyFactory.NAME, job.phase(), "trials", "csv");
        Path plot = EvalFiles.relative(PasskeyFactory.NAME, job.phase(), "png");
        writeTable(context.outputDir().resolve(table), results);
        writeTrials(context.outputDir().resolve(trials), results);
        new LinePlot("Passkey retrieval (" + job.phase() + ", " + options.trials() + " tests per length)",
                "context length (tokens)", "accuracy").yRange(0, 1).series(job.phase(), points)
                .write(context.outputDir().resolve(plot));

        Map<String, Object> row = new LinkedHashMap<>();
        row.put("evaluator", PasskeyFactory.NAME);
        row.put("phase", job.phase());
        row.putAll(metrics);
        results.stream().filter(r -> r.skipped() != null).map(r -> r.length() + ": " + r.skipped())
                .reduce((a, b) -> a + "; " + b).ifPresent(w -> row.put("warning", w));
        context.metrics().record("eval", row);
        return new EvaluationResult(PasskeyFactory.NAME, metrics, List.of(table, trials, plot));
    }

    private LengthResult runLength(LanguageModel model, int length, int garbageChars, RunContext.Progress progress) {
        TextTokenizer tokenizer = model.tokenizer();
        List<Trial> trials = new ArrayList<>();
        int correct = 0;
        for (int i = 0; i < options.trials(); i++) {
            long seed = options.seed() + i;
            PasskeyPrompt.Test test = PasskeyPrompt.draw(garbageChars, new Random(seed));
            int[] prompt = tokenizer.encodeWithBos(test.prompt());
            int[] answer = tokenizer.encode(test.answer());
            // Greedy, exactly len(answer) new tokens. Stopping at EOS changes nothing: a shorter answer is wrong
            // either way, as the original's comparison of the last len(answer) positions would find.
            Generation g = model.generate(prompt, GenerationOptions.greedy(answer.length),
                    LanguageModel.TokenListener.NONE);
            boolean ok = Arrays.equals(g.tokenIds(), answer);
            correct += ok ? 1 : 0;
            trials.add(new Trial(i, seed, test, prompt.length, g.text(), ok));
            progress.advance(1, Map.of("length", length, "correct", correct + "/" + (i + 1)));
        }
        return new LengthResult(length, garbageChars, trials, null);
    }

    private static void writeTable(Path file, List<LengthResult> results) throws IOException {
        List<List<?>> rows = new ArrayList<>();
        for (LengthResult r : results) {
            boolean ran = r.skipped() == null;
            rows.add(List.of(r.length(), ran ? r.garbageChars() : "", ran ? format(r.meanPromptTokens()) : "",
                    r.trials().size(), r.trials().stream().filter(Trial::correct).count(),
                    ran ? format(r.accuracy()) : "", ran ? "ok" : r.skipped()));
        }
        EvalFiles.writeCsv(file, List.of("length", "garbage_chars", "mean_prompt_tokens", "trials", "correct",
                "accuracy", "status"), rows);
    }

    private static void writeTrials(Path file, List<LengthResult> results) throws IOException {
        List<List<?>> rows = new ArrayList<>();
        for (LengthResult r : results) {
            for (Trial t : r.trials()) {
                rows.add(List.of(r.length(), t.index(), t.seed(), t.test().key(), t.test().garbageChars(),
                        t.test().prefixChars(), t.promptTokens(), t.modelAnswer(), t.correct()));
            }
        }
        EvalFiles.writeCsv(file, List.of("length", "trial", "seed", "key", "garbage_chars", "prefix_chars",
                "prompt_tokens", "model_answer", "correct"), rows);
    }

    private static String format(double v) {
        return String.format(Locale.ROOT, "%.4f", v);
    }
}
