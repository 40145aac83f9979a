package dev.longtune.eval.bleu;

import dev.longtune.api.EvaluationJob;
import dev.longtune.api.EvaluationResult;
import dev.longtune.api.Evaluator;
import dev.longtune.api.GeneratedText;
import dev.longtune.eval.EvalFiles;
import dev.longtune.eval.rouge.ReferencedGenerations;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * BLEU-4 of the model's answers against the held-out records' completions, as sacrebleu computes it (one reference
 * per record). The headline {@code bleu} is corpus BLEU: n-gram matches and lengths summed over all records first,
 * as sacrebleu's {@code corpus_bleu} does, which is not the mean of sentence scores. Each record's own sentence BLEU
 * (same settings with effective order, as sacrebleu's {@code sentence_bleu}) goes into the table for reading.
 *
 * <p>Writes {@code eval/bleu-<phase>.csv} (one row per record) and one row on the {@code eval} metrics stream.
 */
public final class BleuEvaluator implements Evaluator {

    private final BleuOptions options;

    public BleuEvaluator(BleuOptions options) {
        this.options = options;
    }

    @Override
    public EvaluationResult evaluate(EvaluationJob job) throws IOException {
        ReferencedGenerations data = ReferencedGenerations.collect(job, options.maxRecords(), BleuFactory.NAME);
        Bleu corpus = options.bleu();
        Bleu sentence = corpus.forSentences();

        List<BleuStats> stats = new ArrayList<>();
        BleuStats sum = BleuStats.zero(corpus.maxOrder());
        for (GeneratedText g : data.answers()) {
            BleuStats s = corpus.segmentStats(g.output(), List.of(g.reference()));
            stats.add(s);
            sum = sum.plus(s);
        }

        Map<String, Double> metrics = new LinkedHashMap<>();
        if (!stats.isEmpty()) {
            BleuScore score = corpus.compute(sum);
            metrics.put("bleu", score.score());
            for (int n = 1; n <= corpus.maxOrder(); n++) {
                metrics.put("precision_" + n, score.precisions()[n - 1]);
            }
            metrics.put("bp", score.bp());
            metrics.put("sys_len", (double) score.sysLen());
            metrics.put("ref_len", (double) score.refLen());
        }
        metrics.put("records", (double) stats.size());
        metrics.put("skipped", (double) data.skipped());

        Path table = EvalFiles.relative(BleuFactory.NAME, job.phase(), "csv");
        writeTable(job.context().outputDir().resolve(table), data.answers(), stats, sentence);

        Map<String, Object> row = new LinkedHashMap<>();
        row.put("evaluator", BleuFactory.NAME);
        row.put("phase", job.phase());
        row.putAll(metrics);
        row.put("signature", signature());
        String warning = data.warning(BleuFactory.NAME);
        if (warning != null) {
            row.put("warning", warning);
        }
        job.context().metrics().record("eval", row);
        return new EvaluationResult(BleuFactory.NAME, metrics, List.of(table));
    }

    /** sacrebleu's signature fields, so a reader can tell which BLEU this is. */
    String signature() {
        String smooth = options.smoothMethod().label();
        if (options.smoothMethod().takesValue()) {
            double v = options.smoothValue() == null ? options.smoothMethod().defaultValue() : options.smoothValue();
            smooth += String.format(Locale.ROOT, "[%.2f]", v);
        }
        return "nrefs:1|case:" + (options.lowercase() ? "lc" : "mixed") + "|eff:no|tok:" + options.tokenize().label()
                + "|smooth:" + smooth;
    }

    private static void writeTable(Path file, List<GeneratedText> answers, List<BleuStats> stats, Bleu sentence)
            throws IOException {
        List<List<?>> rows = new ArrayList<>();
        for (int i = 0; i < answers.size(); i++) {
            GeneratedText g = answers.get(i);
            BleuScore s = sentence.compute(stats.get(i));
            List<Object> row = new ArrayList<>(List.of(g.record().where(), format(s.score())));
            for (double p : s.precisions()) {
                row.add(format(p));
            }
            row.addAll(List.of(format(s.bp()), s.sysLen(), s.refLen(), g.promptTruncated(), g.reference(),
                    g.output()));
            rows.add(row);
        }
        EvalFiles.writeCsv(file, List.of("record", "sentence_bleu", "precision_1", "precision_2", "precision_3",
                "precision_4", "bp", "hyp_len", "ref_len", "prompt_truncated", "reference", "output"), rows);
    }

    private static String format(double v) {
        return String.format(Locale.ROOT, "%.4f", v);
    }
}
