package dev.longtune.host.report;

import dev.longtune.host.config.ConfigLoader;
import dev.longtune.host.config.ExperimentValidator;
import dev.longtune.host.config.ResolvedExperiment;
import dev.longtune.host.plugins.PluginCatalog;
import dev.longtune.host.plugins.PluginHost;
import dev.longtune.host.run.ExperimentRunner;
import dev.longtune.testing.ProjectPaths;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Real small runs of the real model (stories260K), made in process through {@link ExperimentRunner} once per test
 * JVM and shared by the report tests: a training run with a needle heat map and a hostile held-out record, and an
 * eval-only run. Each writes its whole output folder exactly as {@code longtune run} does.
 */
final class ReportRuns {

    /** Text a held-out record carries, so its prompt and reference reach the report's samples. */
    static final String HOSTILE = "</script><img src=x onerror=alert(1)> | `rm -rf` **bold** <b>&amp;";

    private static Path root;
    private static Path training;
    private static Path evalOnly;
    private static PluginCatalog catalog;

    private ReportRuns() {}

    /** A run that trains 6 steps (checkpoints at 3 and 6), evaluates perplexity and a needle grid, writes samples. */
    static synchronized Path training() {
        if (training == null) {
            training = run("training", trainingYaml("run-training"));
        }
        return training;
    }

    /** A run without a method: passkey and needle only. */
    static synchronized Path evalOnly() {
        if (evalOnly == null) {
            evalOnly = run("eval-only", """
                    name: report-eval-only
                    output: run-eval-only
                    seed: 3
                    model: {path: %s}
                    data: {eval: %s, format: alpaca}
                    evaluation:
                      - {type: passkey, lengths: [128, 256], trials: 1}
                      - {type: needle, lengths: [128, 256], depths: [0, 100]}
                    generation: {max_new_tokens: 8, samples: 1}
                    """.formatted(model(), heldOut()));
        }
        return evalOnly;
    }

    /** The training run's YAML with its output in {@code output} (relative to the temporary root). */
    static String trainingYaml(String output) {
        return """
                name: report-training
                output: %s
                seed: 7
                model: {path: %s}
                data: {train: %s, eval: %s, format: alpaca, max_length: 230}
                method: {type: sft}
                training: {max_steps: 6, batch_size: 4, learning_rate: 3.0e-3, warmup_steps: 1, log_every: 1,
                           save_every: 3, keep_checkpoints: 3}
                evaluation:
                  - {type: perplexity, max_length: 128, stride: 64}
                  - {type: needle, lengths: [128, 256], depths: [0, 100]}
                generation: {max_new_tokens: 12, samples: 2}
                export: {format: none}
                """.formatted(output, model(), examples().resolve("data/quickstart-train.jsonl"), heldOut());
    }

    /** Runs {@code yaml} (written into the shared temporary root); returns its output folder. */
    static synchronized Path run(String name, String yaml, String... overrides) {
        try {
            Path file = root().resolve(name + ".yaml");
            Files.writeString(file, yaml, StandardCharsets.UTF_8);
            if (catalog == null) {
                catalog = PluginHost.start(null, true);
            }
            ResolvedExperiment exp = new ExperimentValidator(catalog).resolve(ConfigLoader.load(file, List.of(overrides)));
            ByteArrayOutputStream console = new ByteArrayOutputStream();
            List<String> command = new ArrayList<>(List.of("longtune", "run", file.toString()));
            new ExperimentRunner(catalog, new PrintStream(console, true, StandardCharsets.UTF_8)).run(exp, command);
            return exp.outputDir();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static synchronized Path root() throws IOException {
        if (root == null) {
            root = Files.createTempDirectory("longtune-report-runs");
            Path made = root;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(made)));
        }
        return root;
    }

    static void deleteTree(Path dir) {
        try (var files = Files.walk(dir)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException ignored) {
            // A temporary folder left behind is harmless.
        }
    }

    private static Path examples() {
        return ProjectPaths.examples().toAbsolutePath();
    }

    private static Path model() {
        return examples().resolve("models/stories260K");
    }

    /** The first held-out records of the quickstart, the first of them carrying {@link #HOSTILE} text. */
    private static synchronized Path heldOut() {
        try {
            Path file = root().resolve("held-out.jsonl");
            if (!Files.exists(file)) {
                List<String> lines = Files.readAllLines(examples().resolve("data/quickstart-eval.jsonl"));
                String hostile = new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(java.util.Map.of(
                        "instruction", "Repeat: " + HOSTILE, "input", "", "output", "Reference " + HOSTILE));
                List<String> out = new ArrayList<>(List.of(hostile));
                out.addAll(lines.subList(0, 5));
                Files.write(file, out, StandardCharsets.UTF_8);
            }
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
