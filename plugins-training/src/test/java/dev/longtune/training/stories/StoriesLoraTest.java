package dev.longtune.training.stories;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longtune.api.DataRecord;
import dev.longtune.api.LanguageModel;
import dev.longtune.api.LinearLayer;
import dev.longtune.api.TrainingJob;
import dev.longtune.api.TrainingOutcome;
import dev.longtune.api.config.DataConfig;
import dev.longtune.api.config.OptionsBinder;
import dev.longtune.api.config.TrainingConfig;
import dev.longtune.conformance.Fixtures;
import dev.longtune.conformance.TestRunContext;
import dev.longtune.training.sft.SftMethod;
import dev.longtune.training.sft.SftOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code examples/quickstart-lora.yaml}'s run through {@link SftMethod}: stories260K with LoRA (all-linear) on the
 * bundled quickstart data, with the method and training settings read from the example file itself. The held-out
 * loss must drop; the adapter is exported in PEFT's layout and the model is handed back merged and frozen.
 */
class StoriesLoraTest {

    @TempDir
    Path out;

    @Test
    void quickstartLoraLowersTheHeldOutLoss() throws Exception {
        ObjectMapper yaml = new ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory());
        JsonNode example = yaml.readTree(Fixtures.projectRoot().resolve("examples/quickstart-lora.yaml").toFile());
        ObjectNode method = (ObjectNode) example.get("method").deepCopy();
        method.remove("type");
        SftOptions options = OptionsBinder.bind(method, SftOptions.class, "method 'sft'", "method",
                OptionsBinder.NO_LINES);
        assertEquals("lora", options.strategy().name());
        JsonNode t = example.get("training");
        JsonNode d = example.get("data");
        TrainingConfig cfg = new TrainingConfig(t.get("epochs").asInt(), null, t.get("batch_size").asInt(), 1,
                t.get("learning_rate").asDouble(), t.get("lr_scheduler").asText(), t.get("warmup_steps").asInt(),
                null, null, t.get("weight_decay").asDouble(), null, null, null, t.get("max_grad_norm").asDouble(),
                t.get("log_every").asInt(), null, null, null, null);
        DataConfig data = new DataConfig(null, null, null, d.get("format").asText(), d.get("max_length").asInt(),
                null, null);
        List<DataRecord> train = Stories.quickstart("train", 1000);
        List<DataRecord> eval = Stories.quickstart("eval", 1000);
        try (TestRunContext ctx = new TestRunContext(out, example.get("seed").asLong(), "alpaca");
                LanguageModel model = Stories.load(ctx.manager())) {
            TrainingOutcome o = new SftMethod(options).train(new TrainingJob(model, train, eval, data, cfg, ctx));
            double before = o.extra().get("eval_loss_initial");
            double after = o.extra().get("eval_loss");
            System.out.printf("quickstart-lora (stories260K, %s): %d steps in %.1f s, %.0f trainable parameters; "
                    + "held-out loss %.4f -> %.4f%n", method.get("trains"), o.steps(), o.seconds(),
                    o.extra().get("trainable_parameters"), before, after);
            assertTrue(after < before - 0.05, "held-out loss should drop: " + before + " -> " + after);
            // Time is printed, not asserted: on a quiet 2-core machine the example runs well under two minutes.
            Path adapter = out.resolve(SftMethod.ADAPTER_DIR);
            assertTrue(Files.exists(adapter.resolve("adapter_config.json")));
            assertTrue(Files.exists(adapter.resolve("adapter_model.safetensors")));
            for (LinearLayer l : model.linearLayers().values()) {
                assertTrue(l.forward() == null, "merged: no adapter left on " + l.name());
            }
            for (NDArray p : model.parameters().values()) {
                assertFalse(p.hasGradient(), "the model is handed back frozen");
            }
        }
    }
}
