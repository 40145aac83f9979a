package dev.longtune.host.run;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.longtune.api.DataRecord;
import dev.longtune.api.EvaluationJob;
import dev.longtune.api.EvaluationResult;
import dev.longtune.api.EvaluatorFactory;
import dev.longtune.api.FineTuningMethodFactory;
import dev.longtune.api.LanguageModel;
import dev.longtune.api.LongtuneException;
import dev.longtune.api.TrainingJob;
import dev.longtune.api.TrainingOutcome;
import dev.longtune.api.config.DataConfig;
import dev.longtune.api.config.ExperimentConfig;
import dev.longtune.api.config.OptionsBinder;
import dev.longtune.api.data.DataFiles;
import dev.longtune.host.config.Bound;
import dev.longtune.host.config.DeviceSpec;
import dev.longtune.host.config.ResolvedExperiment;
import dev.longtune.host.plugins.PluginCatalog;
import dev.longtune.host.plugins.PluginHost;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Runs one experiment, stage by stage, each reading only what the previous wrote: load model (with the context
 * extension) → read data → samples and evaluation before → train → evaluation and samples after → export → results,
 * report, manifest. Everything lands in the output folder.
 */
public final class ExperimentRunner {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private final PluginCatalog catalog;
    private final PrintStream console;

    public ExperimentRunner(PluginCatalog catalog, PrintStream console) {
        this.catalog = catalog;
        this.console = console;
    }

    /** What a finished run produced. */
    public record RunSummary(Path outputDir, Map<String, Map<String, Double>> metrics, TrainingOutcome training,
            Path exportedModel) {}

    public RunSummary run(ResolvedExperiment exp, List<String> command) throws IOException {
        ExperimentConfig c = exp.config();
        Path out = exp.outputDir();
        Files.createDirectories(out);
        Engine engine = PluginHost.engine();
        Device device = DeviceSpec.parse(c.device(), "device").resolve(engine);
        DataType dtype = ModelLoading.dtypeFor(exp, device);
        RunManifest manifest = new RunManifest(out);
        manifest.start(exp, catalog, command, engine, device, dtype);
        YAML.writeValue(out.resolve("config.resolved.yaml").toFile(), OptionsBinder.MAPPER.valueToTree(c));
        console.printf(Locale.ROOT, "Run '%s' → %s (device %s, %s, seed %d)%n", c.name(), out, device, dtype, c.seed());

        try (HostRunContext ctx = new HostRunContext(out, c.seed(), device, dataFormat(c), console)) {
            long t0 = System.nanoTime();
            LanguageModel model = ModelLoading.load(exp, dtype, device, ctx.manager());
            try {
                console.printf(Locale.ROOT, "Model %s (%s, %d layers, vocab %d, context %d%s) loaded in %.1f s%n",
                        exp.modelDir().getFileName(), model.architecture(), model.config().numLayers(),
                        model.config().vocabSize(), model.config().maxPositionEmbeddings(),
                        exp.context() == null ? "" : ", context extension " + exp.context().name(),
                        (System.nanoTime() - t0) / 1e9);
                RunSummary summary = stages(exp, model, ctx, manifest);
                manifest.finish("succeeded", null);
                console.println("Done. Results: " + out.resolve("results.json") + ", report: " + out.resolve("report.md"));
                return summary;
            } finally {
                model.close();
            }
        } catch (RuntimeException | IOException | Error e) {
            manifest.finish("failed", String.valueOf(e.getMessage()));
            throw e;
        }
    }

    private RunSummary stages(ResolvedExperiment exp, LanguageModel model, HostRunContext ctx, RunManifest manifest)
            throws IOException {
        ExperimentConfig c = exp.config();
        Datasets data = readData(exp);
        ctx.metrics().record("data", Map.of("train_records", data.train.size(), "eval_records", data.eval.size()));
        console.printf(Locale.ROOT, "Data: %d training records, %d held-out records%n", data.train.size(),
                data.eval.size());

        Samples samples = new Samples(c.generation(), model, ctx, console);
        Map<String, Map<String, Double>> metrics = new LinkedHashMap<>();
        List<Path> artifacts = new ArrayList<>();
        TrainingOutcome outcome = null;
        if (exp.method() != null) {
            samples.write("before", data.eval);
            evaluate(exp, model, data.eval, "before", ctx, metrics, artifacts);
            outcome = train(exp, model, data, ctx);
            manifest.put("training", outcome);
            evaluate(exp, model, data.eval, "after", ctx, metrics, artifacts);
            samples.write("after", data.eval);
        } else {
            evaluate(exp, model, data.eval, "eval", ctx, metrics, artifacts);
            samples.write("eval", data.eval);
        }

        Path exported = null;
        if ("hf".equals(c.export().format()) && exp.method() != null) {
            exported = ctx.outputDir().resolve(c.export().directory());
            console.println("Saving the fine-tuned model to " + exported);
            model.save(exported);
        }
        Map<String, Object> results = new LinkedHashMap<>();
        results.put("name", c.name());
        results.put("metrics", metrics);
        results.put("training", outcome);
        results.put("exported_model", exported == null ? null : exported.toString());
        results.put("artifacts", artifacts.stream().map(Path::toString).toList());
        JSON.writeValue(ctx.outputDir().resolve("results.json").toFile(), results);
        manifest.put("results", results);
        new MarkdownReport(exp, metrics, outcome, samples.rows(), ctx.metrics().rows("train"))
                .write(ctx.outputDir().resolve("report.md"));
        return new RunSummary(ctx.outputDir(), metrics, outcome, exported);
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private TrainingOutcome train(ResolvedExperiment exp, LanguageModel model, Datasets data, HostRunContext ctx)
            throws IOException {
        Bound<FineTuningMethodFactory<?>> m = exp.method();
        console.printf(Locale.ROOT, "Training with method '%s'%n", m.name());
        String resume = exp.config().training().resumeFromCheckpoint();
        if (resume != null) {
            // Resuming is the training loop's job (TrainingLoop, plugins-training): it restores weights, optimiser,
            // schedule and data position from <output>/checkpoints and drops metric rows written after the
            // checkpoint. Everything before training (evaluation and samples "before") runs again on the base model,
            // so it gives the same numbers as in the interrupted run.
            console.printf(Locale.ROOT, "training.resume_from_checkpoint: %s (%s)%n", resume, "auto".equals(resume)
                    ? "the latest complete checkpoint in " + ctx.outputDir().resolve("checkpoints")
                            + ", or a fresh start if there is none"
                    : "that checkpoint");
        }
        var method = ((FineTuningMethodFactory) m.factory()).create(m.options());
        DataConfig dataConfig = exp.config().data();
        TrainingOutcome outcome = method.train(new TrainingJob(model, data.train, data.eval, dataConfig,
                exp.config().training(), ctx));
        console.printf(Locale.ROOT, "Trained %d steps, %d tokens in %.1f s; final loss %.4f%n", outcome.steps(),
                outcome.tokens(), outcome.seconds(), outcome.finalLoss());
        Double resumedAt = outcome.extra().get("resumed_from_step");
        if (resumedAt != null) {
            console.printf(Locale.ROOT, "(continued from the checkpoint of step %d; metrics/checkpoints.jsonl lists "
                    + "checkpoints saved and resumed)%n", resumedAt.longValue());
        }
        return outcome;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private void evaluate(ResolvedExperiment exp, LanguageModel model, List<DataRecord> records, String phase,
            HostRunContext ctx, Map<String, Map<String, Double>> metrics, List<Path> artifacts) throws IOException {
        for (Bound<EvaluatorFactory<?>> b : exp.evaluators()) {
            var evaluator = ((EvaluatorFactory) b.factory()).create(b.options());
            EvaluationResult r = evaluator.evaluate(new EvaluationJob(model, records, phase, ctx));
            metrics.put(b.name() + "/" + phase, r.metrics());
            artifacts.addAll(r.artifacts());
            console.printf(Locale.ROOT, "Evaluation %s (%s): %s%n", b.name(), phase, r.metrics());
        }
    }

    private static String dataFormat(ExperimentConfig c) {
        return c.data() == null ? "auto" : c.data().format();
    }

    /** Training and held-out records. */
    record Datasets(List<DataRecord> train, List<DataRecord> eval) {}

    static Datasets readData(ResolvedExperiment exp) {
        DataConfig d = exp.config().data();
        List<DataRecord> train = exp.trainData() == null ? List.of() : DataFiles.read(exp.trainData());
        if (exp.trainData() != null && train.isEmpty()) {
            throw new LongtuneException("training data file " + exp.trainData() + " holds no record");
        }
        List<DataRecord> eval;
        if (exp.evalData() != null) {
            eval = DataFiles.read(exp.evalData());
        } else if (d != null && d.evalSplit() > 0 && !train.isEmpty()) {
            // The held-out part is the tail of the file, so it is the same whatever the seed.
            int n = (int) Math.max(1, Math.round(train.size() * d.evalSplit()));
            eval = List.copyOf(train.subList(train.size() - n, train.size()));
            train = List.copyOf(train.subList(0, train.size() - n));
        } else {
            eval = List.of();
        }
        return new Datasets(train, eval);
    }
}
