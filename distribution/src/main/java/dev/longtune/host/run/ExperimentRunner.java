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
import dev.longtune.api.GenerationSource;
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
        return execute(exp, command, Mode.RUN, null, null);
    }

    /**
     * {@code longtune eval}: only the evaluation stage, phase {@code eval} — load the model (with the context
     * extension, and {@code adapter} merged when given), read the held-out data, samples and evaluators, results,
     * report, manifest. {@code exp} must have no method (the eval command drops it), so nothing trains or exports.
     *
     * @param adapter a PEFT LoRA/DoRA adapter folder merged into the model after loading, or null
     * @param checkpoint a training checkpoint ({@code <run>/checkpoints/step-N}) whose trained weights replace the
     *     model's after loading, or null; see {@link CheckpointWeights}
     */
    public RunSummary evaluateOnly(ResolvedExperiment exp, List<String> command, Path adapter, Path checkpoint)
            throws IOException {
        if (exp.method() != null) {
            throw new IllegalArgumentException("an evaluation has no fine-tuning method");
        }
        if (checkpoint != null) {
            CheckpointWeights.check(checkpoint, "--checkpoint");
        }
        return execute(exp, command, Mode.EVAL, adapter, checkpoint);
    }

    private enum Mode { RUN, EVAL }

    private RunSummary execute(ResolvedExperiment exp, List<String> command, Mode mode, Path adapter,
            Path checkpoint) throws IOException {
        ExperimentConfig c = exp.config();
        Path out = exp.outputDir();
        Files.createDirectories(out);
        Engine engine = PluginHost.engine();
        Device device = DeviceSpec.parse(c.device(), "device").resolve(engine);
        DataType dtype = ModelLoading.dtypeFor(exp, device);
        RunManifest manifest = new RunManifest(out);
        manifest.start(exp, catalog, command, engine, device, dtype);
        YAML.writeValue(out.resolve("config.resolved.yaml").toFile(), OptionsBinder.MAPPER.valueToTree(c));
        console.printf(Locale.ROOT, "%s '%s' → %s (device %s, %s, seed %d)%n", mode == Mode.EVAL
                ? "Evaluation of" : "Run", c.name(), out, device, dtype, c.seed());

        try (HostRunContext ctx = new HostRunContext(out, c.seed(), device, dataFormat(c), console)) {
            long t0 = System.nanoTime();
            LanguageModel model = ModelLoading.load(exp, dtype, device, ctx.manager());
            try {
                console.printf(Locale.ROOT, "Model %s (%s, %d layers, vocab %d, context %d%s) loaded in %.1f s%n",
                        exp.modelDir().getFileName(), model.architecture(), model.config().numLayers(),
                        model.config().vocabSize(), model.config().maxPositionEmbeddings(),
                        exp.context() == null ? "" : ", context extension " + exp.context().name(),
                        (System.nanoTime() - t0) / 1e9);
                if (checkpoint != null) {
                    int n = CheckpointWeights.apply(model, checkpoint);
                    boolean merged = CheckpointWeights.check(checkpoint, "--checkpoint")
                            == CheckpointWeights.Kind.ADAPTER;
                    console.printf(Locale.ROOT, "Checkpoint %s: %d trained tensors %s%n", checkpoint, n,
                            merged ? "(a PEFT adapter) merged into the model" : "written over the model");
                    manifest.put("checkpoint", Map.of("path", checkpoint.toAbsolutePath().toString(), "files",
                            fileChecksums(checkpoint), "tensors", n));
                }
                if (adapter != null) {
                    console.println("Merging the adapter " + adapter + " into the model");
                    model.mergeAdapter(adapter);
                    manifest.put("adapter", Map.of("path", adapter.toAbsolutePath().toString(), "files",
                            fileChecksums(adapter)));
                }
                RunSummary summary = stages(exp, model, ctx, manifest);
                manifest.finish("succeeded", null);
                ReportStage.write(out);
                console.println("Done. Results: " + out.resolve("results.json") + ", report: " + out.resolve("report.html")
                        + " (and report.md)");
                return summary;
            } finally {
                model.close();
            }
        } catch (RuntimeException | IOException | Error e) {
            manifest.finish("failed", String.valueOf(e.getMessage()));
            ReportStage.writeAfterFailure(out, e, console);
            throw e;
        }
    }

    private RunSummary stages(ResolvedExperiment exp, LanguageModel model, HostRunContext ctx, RunManifest manifest)
            throws IOException {
        ExperimentConfig c = exp.config();
        Datasets data = readData(exp);
        ctx.metrics().record("data", Map.of("train_records", data.train.size(), "eval_records", data.eval.size()));
        if (exp.method() == null) {
            console.printf(Locale.ROOT, "Data: %d held-out records%n", data.eval.size());
        } else {
            console.printf(Locale.ROOT, "Data: %d training records, %d held-out records%n", data.train.size(),
                    data.eval.size());
        }

        Samples samples = new Samples(c.generation(), model, ctx, console);
        Map<String, Map<String, Double>> metrics = new LinkedHashMap<>();
        List<Path> artifacts = new ArrayList<>();
        TrainingOutcome outcome = null;
        // One generation source per phase: samples and every evaluator of a phase share its answers, and the phase
        // after training never sees answers of the model before it.
        if (exp.method() != null) {
            HostGenerations before = HostGenerations.forPhase(c, model, ctx, "before");
            samples.write("before", data.eval, before);
            evaluate(exp, model, data.eval, "before", ctx, before, metrics, artifacts);
            outcome = train(exp, model, data, ctx);
            manifest.put("training", outcome);
            HostGenerations after = HostGenerations.forPhase(c, model, ctx, "after");
            evaluate(exp, model, data.eval, "after", ctx, after, metrics, artifacts);
            samples.write("after", data.eval, after);
        } else {
            HostGenerations eval = HostGenerations.forPhase(c, model, ctx, "eval");
            evaluate(exp, model, data.eval, "eval", ctx, eval, metrics, artifacts);
            samples.write("eval", data.eval, eval);
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
        // report.html and report.md are written from the output folder once the manifest says how the run ended;
        // the token lengths need the tokenizer, so they are measured now.
        ReportStage.measureLengths(c, model, data.train, data.eval, ctx);
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
            HostRunContext ctx, GenerationSource generations, Map<String, Map<String, Double>> metrics,
            List<Path> artifacts) throws IOException {
        for (Bound<EvaluatorFactory<?>> b : exp.evaluators()) {
            var evaluator = ((EvaluatorFactory) b.factory()).create(b.options());
            EvaluationResult r = evaluator.evaluate(new EvaluationJob(model, records, phase, ctx, generations));
            metrics.put(b.name() + "/" + phase, r.metrics());
            artifacts.addAll(r.artifacts());
            console.printf(Locale.ROOT, "Evaluation %s (%s): %s%n", b.name(), phase, r.metrics());
        }
    }

    /** sha256 of every file in a folder, by name, for the manifest. */
    private static Map<String, String> fileChecksums(Path dir) throws IOException {
        Map<String, String> out = new java.util.TreeMap<>();
        try (var files = Files.list(dir)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                out.put(f.getFileName().toString(), Checksums.sha256(f));
            }
        }
        return out;
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
