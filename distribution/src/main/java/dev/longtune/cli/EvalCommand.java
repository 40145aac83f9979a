package dev.longtune.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.longtune.api.LongtuneException;
import dev.longtune.api.config.DataConfig;
import dev.longtune.api.config.ExperimentConfig;
import dev.longtune.api.config.ModelSection;
import dev.longtune.host.config.ConfigLoader;
import dev.longtune.host.config.ExperimentValidator;
import dev.longtune.host.config.LoadedConfig;
import dev.longtune.host.config.ResolvedExperiment;
import dev.longtune.host.plugins.PluginCatalog;
import dev.longtune.host.plugins.PluginHost;
import dev.longtune.host.run.CheckpointWeights;
import dev.longtune.host.run.ExperimentRunner;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code longtune eval CONFIG}: the evaluation stage of an experiment alone, on the config's model or on another
 * checkpoint ({@code --model}, e.g. a finished run's {@code model/}; {@code --adapter}, a run's PEFT
 * {@code adapter/}; {@code --checkpoint}, a training checkpoint {@code <run>/checkpoints/step-N}, see
 * {@link CheckpointWeights}). Writes into a folder of its own so it never replaces a training run's results.
 */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Evaluate a model with an experiment's evaluation:, generation: and data: sections, without "
                + "training: samples, evaluators, results.json, report.md, manifest.json.")
final class EvalCommand implements Callable<Integer> {

    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

    @ParentCommand
    LongtuneCommand parent;

    @Mixin
    ConfigOptions config;

    @Spec
    CommandSpec spec;

    @Option(names = "--model", paramLabel = "DIR",
            description = "Hugging Face checkpoint folder evaluated instead of the config's model.path (e.g. a run's "
                    + "model/).")
    Path model;

    @Option(names = "--adapter", paramLabel = "DIR",
            description = "LoRA/DoRA adapter in Hugging Face PEFT layout (e.g. a run's adapter/), merged into the "
                    + "model before evaluating.")
    Path adapter;

    @Option(names = "--checkpoint", paramLabel = "DIR",
            description = "Training checkpoint (<run>/checkpoints/step-N): trains: full or freeze weights are "
                    + "written over the model, a LoRA/DoRA adapter is merged into it (as --adapter), before "
                    + "evaluating.")
    Path checkpoint;

    @Option(names = "--output", paramLabel = "DIR",
            description = "Output folder. Default: eval-<timestamp> inside the experiment's output folder.")
    Path output;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PluginCatalog catalog = PluginHost.start(parent.pluginsDir(), true);
        LoadedConfig loaded = ConfigLoader.load(config.config, config.overrides);
        ExperimentConfig c = loaded.config();
        if (c.method() != null || loaded.tree().root().has("training")) {
            out.println("eval: ignoring the method: and training: sections of " + config.config.getFileName()
                    + " (only the evaluation stage runs)");
        }
        ModelSection modelSection = c.model();
        if (model != null) {
            Path dir = model.toAbsolutePath().normalize();
            ExperimentValidator.readHfConfig(dir, "--model"); // a missing folder is the option's fault, not the file's
            modelSection = modelSection == null ? new ModelSection(dir.toString(), null, null, null)
                    : new ModelSection(dir.toString(), modelSection.type(), modelSection.dtype(),
                            modelSection.options());
        }
        if (adapter != null && !Files.isRegularFile(adapter.resolve("adapter_config.json"))) {
            throw new LongtuneException("--adapter: " + (Files.isDirectory(adapter) ? adapter.toAbsolutePath()
                    + " has no adapter_config.json" : "adapter folder not found: " + adapter.toAbsolutePath())
                    + " (expected a Hugging Face PEFT adapter folder, e.g. a LoRA run's adapter/)");
        }
        if (checkpoint != null && adapter != null) {
            throw new LongtuneException("--checkpoint and --adapter cannot be combined: evaluate one of them");
        }
        if (checkpoint != null
                && CheckpointWeights.check(checkpoint, "--checkpoint") == CheckpointWeights.Kind.ADAPTER) {
            out.println("eval: " + checkpoint + " is an adapter checkpoint; it is merged into the model as --adapter "
                    + "would merge it");
            if ("qlora".equals(trains(c))) {
                // PEFT's practice for QLoRA adapters: merge onto the unquantized base. Training saw the NF4-rounded
                // base, so the numbers differ from the run's own evaluation (which ran on the NF4 base) — a little on
                // a large model, a lot on a tiny one.
                out.println("eval: note: trains: qlora — the adapter is merged onto the float base model (PEFT's "
                        + "practice), not onto the NF4-quantized weights it was trained against, so the numbers "
                        + "differ from the run's own evaluation");
            }
        }
        ExperimentConfig evalOnly = new ExperimentConfig(c.name(), c.output(), c.seed(), c.device(), modelSection,
                c.context(), null, heldOutOnly(c.data()), null, c.evaluation(), c.generation(), c.export());
        ResolvedExperiment exp = new ExperimentValidator(catalog)
                .resolve(new LoadedConfig(loaded.file(), loaded.tree(), evalOnly));
        exp = withOutput(exp, outputDir(exp.outputDir()));

        List<String> command = new ArrayList<>(List.of("longtune", "eval", config.config.toString()));
        addOption(command, "--model", model);
        addOption(command, "--adapter", adapter);
        addOption(command, "--checkpoint", checkpoint);
        config.overrides.forEach(o -> {
            command.add("--set");
            command.add(o);
        });
        addOption(command, "--output", output);
        out.flush();
        new ExperimentRunner(catalog, System.out).evaluateOnly(exp, command,
                adapter == null ? null : adapter.toAbsolutePath().normalize(),
                checkpoint == null ? null : checkpoint.toAbsolutePath().normalize());
        return 0;
    }

    /** The config's {@code method.trains} strategy name ({@code trains: qlora} or {@code trains: {type: qlora}}). */
    private static String trains(ExperimentConfig c) {
        if (c.method() == null || c.method().options() == null) {
            return "";
        }
        JsonNode t = c.method().options().path("trains");
        return t.isTextual() ? t.asText() : t.path("type").asText("");
    }

    /**
     * The data section an evaluation needs: with a held-out file the training file is not read at all; without
     * one, {@code eval_split} still takes the held-out tail of {@code data.train}, exactly the records a run holds
     * out.
     */
    private static DataConfig heldOutOnly(DataConfig d) {
        if (d == null || d.eval() == null) {
            return d;
        }
        return new DataConfig(null, d.eval(), d.evalSplit(), d.format(), d.maxLength(), d.trainOnPrompt(),
                d.addEos(), d.packing(), d.maxPromptLength());
    }

    /** {@code --output}, else a fresh {@code eval-<timestamp>} folder inside the experiment's output folder. */
    private Path outputDir(Path experimentOutput) {
        if (output != null) {
            Path dir = output.toAbsolutePath().normalize();
            if (Files.exists(dir.resolve("results.json"))) {
                throw new LongtuneException("--output: " + dir + " already holds results (results.json); choose "
                        + "another folder, or leave --output out for a new eval-<timestamp> folder");
            }
            return dir;
        }
        String stamp = "eval-" + LocalDateTime.now().format(STAMP);
        Path dir = experimentOutput.resolve(stamp);
        for (int i = 2; Files.exists(dir); i++) {
            dir = experimentOutput.resolve(stamp + "-" + i);
        }
        return dir;
    }

    private static ResolvedExperiment withOutput(ResolvedExperiment e, Path out) {
        return new ResolvedExperiment(e.source(), out, e.modelDir(), e.hfConfig(), e.model(), e.context(),
                e.contextExtension(), e.method(), e.evaluators(), e.trainData(), e.evalData(), e.dtype());
    }

    private static void addOption(List<String> command, String name, Path value) {
        if (value != null) {
            command.add(name);
            command.add(value.toString());
        }
    }
}
