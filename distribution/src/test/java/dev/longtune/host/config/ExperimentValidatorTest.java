package dev.longtune.host.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.longtune.api.LongtuneException;
import dev.longtune.host.plugins.PluginCatalog;
import dev.longtune.host.plugins.PluginHost;
import dev.longtune.testing.ProjectPaths;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Validation against the real built-in plugins and the real stories260K checkpoint folder. */
class ExperimentValidatorTest {

    private static PluginCatalog catalog;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        catalog = PluginHost.start(null, false);
    }

    private String base() throws IOException {
        Files.writeString(dir.resolve("train.jsonl"), "{\"text\": \"Once upon a time\"}\n");
        return "name: t\nmodel:\n  path: " + ProjectPaths.examples().resolve("models/stories260K") + "\n"
                + "data:\n  train: train.jsonl\n";
    }

    private ResolvedExperiment resolve(String yaml) throws IOException {
        Path f = dir.resolve("exp.yaml");
        Files.writeString(f, yaml);
        return new ExperimentValidator(catalog).resolve(ConfigLoader.load(f, List.of()));
    }

    private LongtuneException error(String yaml) {
        return assertThrows(LongtuneException.class, () -> resolve(yaml));
    }

    @Test
    void resolvesArchitectureFromModelTypeAndBindsEveryPlugin() throws IOException {
        ResolvedExperiment exp = resolve(base() + "method:\n  type: sft\ncontext:\n  type: linear\n  factor: 2.0\n"
                + "evaluation:\n  - type: perplexity\n");
        assertEquals("llama", exp.model().name());
        assertEquals("sft", exp.method().name());
        assertEquals("linear", exp.context().name());
        assertEquals(1024, exp.contextExtension().extendedMaxPositions(512));
        assertEquals(1, exp.evaluators().size());
        assertEquals(dir.resolve("train.jsonl"), exp.trainData());
        assertNull(exp.dtype(), "auto dtype is decided once the device is known");
    }

    @Test
    void twoPromptCutsAreRefusedAtValidate() throws IOException {
        LongtuneException e = error(base().replace("data:\n  train: train.jsonl\n", "data:\n  train: train.jsonl\n"
                + "  max_length: 256\n  max_prompt_length: 200\n") + "method:\n  type: orpo\n  max_prompt_length: 128\n");
        assertTrue(e.getMessage().contains("method.max_prompt_length (line 10)")
                && e.getMessage().contains("replaces method.max_prompt_length"), e.getMessage());
        resolve(base().replace("data:\n  train: train.jsonl\n", "data:\n  train: train.jsonl\n  max_length: 256\n"
                + "  max_prompt_length: 200\n") + "method:\n  type: orpo\n");
    }

    @Test
    void unknownPluginNameSuggestsTheNearestAndListsInstalled() throws IOException {
        LongtuneException e = error(base() + "context:\n  type: linaer\n  factor: 2\n");
        assertTrue(e.getMessage().contains("context.type (line 7)"), e.getMessage());
        assertTrue(e.getMessage().contains("unknown context extension 'linaer' — did you mean 'linear'?"),
                e.getMessage());
        assertTrue(e.getMessage().contains("installed: "), e.getMessage());
    }

    @Test
    void unknownOptionKeyOfAPluginNamesPathAndLine() throws IOException {
        LongtuneException e = error(base() + "context:\n  type: linear\n  facter: 2\n");
        assertTrue(e.getMessage().contains("context.facter (line 8)"), e.getMessage());
        assertTrue(e.getMessage().contains("did you mean 'factor'?"), e.getMessage());
    }

    @Test
    void missingTypeListsChoices() throws IOException {
        LongtuneException e = error(base() + "evaluation:\n  - stride: 3\n");
        assertTrue(e.getMessage().contains("missing 'type:'"), e.getMessage());
        assertTrue(e.getMessage().contains("perplexity"), e.getMessage());
    }

    @Test
    void missingModelFolderAndUnknownModelType() throws IOException {
        LongtuneException missing = error("model:\n  path: nowhere\n");
        assertTrue(missing.getMessage().contains("model folder not found"), missing.getMessage());
        assertTrue(missing.getMessage().contains("model.path (line 2)"), missing.getMessage());

        Path gpt = dir.resolve("gpt");
        Files.createDirectories(gpt);
        Files.writeString(gpt.resolve("config.json"), "{\"model_type\": \"gpt2\"}");
        LongtuneException unknown = error("model:\n  path: gpt\n");
        assertTrue(unknown.getMessage().contains("model_type 'gpt2', which no installed model architecture loads"),
                unknown.getMessage());
        assertTrue(unknown.getMessage().contains("llama"), unknown.getMessage());
    }

    @Test
    void methodWithoutDataAndMissingFilesAreCaught() throws IOException {
        String model = "model:\n  path: " + ProjectPaths.examples().resolve("models/stories260K") + "\n";
        assertTrue(error(model + "method:\n  type: sft\n").getMessage().contains("needs training data"));
        LongtuneException e = error(model + "data:\n  train: nope.jsonl\n");
        assertTrue(e.getMessage().contains("data.train (line 4)"), e.getMessage());
        assertTrue(e.getMessage().contains("not found"), e.getMessage());
    }

    @Test
    void enumeratedValuesSuggest() throws IOException {
        LongtuneException e = error(base() + "training:\n  lr_scheduler: cosin\n");
        assertTrue(e.getMessage().contains("did you mean 'cosine'?"), e.getMessage());
        assertTrue(error(base() + "device: tpu\n").getMessage().contains("unknown device 'tpu'"));
    }

    @Test
    void ropeScalingInConfigJsonResolvesThroughTheContextRegistry() throws IOException {
        Path src = ProjectPaths.examples().resolve("models/stories260K");
        Path copy = dir.resolve("extended");
        Files.createDirectories(copy);
        for (String f : List.of("model.safetensors", "tokenizer.json", "tokenizer_config.json")) {
            Files.copy(src.resolve(f), copy.resolve(f));
        }
        String config = Files.readString(src.resolve("config.json"))
                .replaceFirst("\\{", "{\"rope_scaling\": {\"type\": \"linear\", \"factor\": 4.0},");
        Files.writeString(copy.resolve("config.json"), config);
        ResolvedExperiment exp = resolve("model:\n  path: extended\n");
        assertNotNull(exp.context());
        assertEquals("linear", exp.context().name());
        assertEquals(2048, exp.contextExtension().extendedMaxPositions(512));

        Files.writeString(copy.resolve("config.json"), config.replace("\"linear\"", "\"yarm\""));
        LongtuneException e = error("model:\n  path: extended\n");
        assertTrue(e.getMessage().contains("rope_scaling has type 'yarm'"), e.getMessage());
    }
}
