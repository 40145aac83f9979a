package dev.longtune.training.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longtune.api.DataRecord;
import dev.longtune.api.LanguageModel;
import dev.longtune.api.LongtuneException;
import dev.longtune.api.ModelLoadRequest;
import dev.longtune.api.config.TrainingConfig;
import dev.longtune.conformance.Fixtures;
import dev.longtune.conformance.TestRunContext;
import dev.longtune.models.llama.LlamaArchitecture;
import dev.longtune.models.llama.LlamaModel;
import dev.longtune.training.StoryData;
import dev.longtune.training.TinyLm;
import dev.longtune.training.data.Batches;
import dev.longtune.training.data.SftBatch;
import dev.longtune.training.data.SftEncoder;
import dev.longtune.training.data.SftExample;
import dev.longtune.training.optim.Gradients;
import dev.longtune.training.sft.SftMethod;
import dev.longtune.training.sft.SftOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code training.gradient_checkpointing: true} through {@link TrainingLoop#forwardBackward}: full fine-tuning of
 * stories260K over two accumulated micro-batches gives bitwise the same loss and gradients as without it, and the
 * model is left with checkpointing off; a model without support is refused with a clear message.
 */
class CheckpointingLoopTest {

    @TempDir
    Path out;

    @Test
    void loopWithCheckpointingGivesTheSameLossAndGradients() throws Exception {
        Path dir = Fixtures.stories260K();
        ObjectNode config = (ObjectNode) new ObjectMapper().readTree(dir.resolve("config.json").toFile());
        try (TestRunContext ctx = new TestRunContext(out);
                LanguageModel model = new LlamaArchitecture().loadLlama(
                        new ModelLoadRequest(dir, config, null, DataType.FLOAT32, Device.cpu(), ctx.manager()))) {
            SftEncoder enc = new SftEncoder(model.tokenizer(), 512, false, true);
            List<SftExample> ex = new ArrayList<>();
            for (DataRecord r : StoryData.records(0, 6)) {
                ex.add(enc.encode(dev.longtune.api.data.PromptFormats.format("alpaca", r), r).orElseThrow());
            }
            List<SftBatch> group = List.of(Batches.pad(ex.subList(0, 3), 2), Batches.pad(ex.subList(3, 6), 2));
            Map<String, NDArray> params = new SftMethod(SftOptions.defaults()).trainable(model);
            TrainingConfig plainCfg = TrainingConfig.defaults();
            TrainingConfig ckptCfg = new TrainingConfig(null, null, null, null, null, null, null, null, null, null,
                    null, null, null, null, null, null, null, null, null, true);
            assertFalse(plainCfg.gradientCheckpointing());
            assertTrue(ckptCfg.gradientCheckpointing());
            double lossPlain;
            List<float[]> plain;
            try (NDManager step = ctx.manager().newSubManager()) {
                lossPlain = new TrainingLoop(plainCfg, ctx).forwardBackward(model, group, SftMethod.LOSS, step, 1);
                plain = readAndZero(params, step);
            }
            double lossCkpt;
            List<float[]> ckpt;
            try (NDManager step = ctx.manager().newSubManager()) {
                lossCkpt = new TrainingLoop(ckptCfg, ctx).forwardBackward(model, group, SftMethod.LOSS, step, 1);
                ckpt = readAndZero(params, step);
            }
            assertFalse(((LlamaModel) model).gradientCheckpointing(), "the loop switches it off again");
            assertEquals(lossPlain, lossCkpt, 0.0);
            assertEquals(plain.size(), ckpt.size());
            // Bitwise except the tied embedding/head matrix (index 0) from the second micro-batch on: there autograd
            // adds both uses' terms first, g + (head + lookup), while checkpointing accumulates them in two backward
            // calls, (g + head) + lookup; float addition is not associative, so it may differ by an ulp.
            double maxDiff = 0;
            int notBitwise = 0;
            for (int i = 0; i < plain.size(); i++) {
                float[] a = plain.get(i);
                float[] b = ckpt.get(i);
                for (int j = 0; j < a.length; j++) {
                    maxDiff = Math.max(maxDiff, Math.abs(a[j] - b[j]));
                    if (Float.floatToIntBits(a[j]) != Float.floatToIntBits(b[j])) {
                        notBitwise++;
                        assertEquals(0, i, "only the tied embeddings may differ: gradient " + i + "[" + j + "]");
                    }
                    assertEquals(a[j], b[j], 1e-6, "gradient " + i + "[" + j + "]");
                }
            }
            System.out.printf("loop with gradient_checkpointing (2 micro-batches): loss %.6f = %.6f, %d gradients, "
                    + "%d values not bitwise equal (tied embeddings), max |diff| %.3g%n", lossPlain, lossCkpt,
                    plain.size(), notBitwise, maxDiff);
        }
    }

    /** A step that fails (here: a NaN loss) must not leave the model checkpointing its layers. */
    @Test
    void checkpointingIsSwitchedOffWhenTheStepThrows() throws Exception {
        Path dir = Fixtures.stories260K();
        ObjectNode config = (ObjectNode) new ObjectMapper().readTree(dir.resolve("config.json").toFile());
        try (TestRunContext ctx = new TestRunContext(out);
                LanguageModel model = new LlamaArchitecture().loadLlama(
                        new ModelLoadRequest(dir, config, null, DataType.FLOAT32, Device.cpu(), ctx.manager()))) {
            SftEncoder enc = new SftEncoder(model.tokenizer(), 512, false, true);
            List<SftExample> ex = new ArrayList<>();
            for (DataRecord r : StoryData.records(0, 2)) {
                ex.add(enc.encode(dev.longtune.api.data.PromptFormats.format("alpaca", r), r).orElseThrow());
            }
            List<SftBatch> group = List.of(Batches.pad(ex, 2));
            Map<String, NDArray> params = new SftMethod(SftOptions.defaults()).trainable(model);
            TrainingConfig ckptCfg = new TrainingConfig(null, null, null, null, null, null, null, null, null, null,
                    null, null, null, null, null, null, null, null, null, true);
            boolean[] onDuringForward = {false};
            LossFunction<SftBatch> nan = (m, b, step, training) -> {
                onDuringForward[0] = ((LlamaModel) m).gradientCheckpointing();
                dev.longtune.api.nd.TokenLoss.Sum s = SftMethod.LOSS.compute(m, b, step, training);
                return new dev.longtune.api.nd.TokenLoss.Sum(s.sum().mul(step.full(new ai.djl.ndarray.types.Shape(),
                        Float.NaN, DataType.FLOAT32)), s.tokens());
            };
            try (NDManager step = ctx.manager().newSubManager()) {
                LongtuneException e = assertThrows(LongtuneException.class,
                        () -> new TrainingLoop(ckptCfg, ctx).forwardBackward(model, group, nan, step, 7));
                assertTrue(e.getMessage().contains("step 7") && e.getMessage().contains("NaN"), e.getMessage());
            }
            assertTrue(onDuringForward[0], "the setting: checkpointing was on in the failing forward");
            assertFalse(((LlamaModel) model).gradientCheckpointing(), "switched off although the step threw");
            params.values().forEach(p -> p.setRequiresGradient(false));
        }
    }

    @Test
    void configKeyParses() throws Exception {
        ObjectMapper json = new ObjectMapper();
        assertTrue(json.readValue("{\"gradient_checkpointing\": true}", TrainingConfig.class).gradientCheckpointing());
        assertFalse(json.readValue("{\"batch_size\": 2}", TrainingConfig.class).gradientCheckpointing());
    }

    @Test
    void modelWithoutCheckpointingIsRefused() {
        try (TestRunContext ctx = new TestRunContext(out); TinyLm model = new TinyLm(ctx.manager(), 16, 5)) {
            assertFalse(model.supportsCheckpointing());
            TrainingConfig cfg = new TrainingConfig(null, null, null, null, null, null, null, null, null, null,
                    null, null, null, null, null, null, null, null, null, true);
            try (NDManager step = ctx.manager().newSubManager()) {
                LongtuneException e = assertThrows(LongtuneException.class, () -> new TrainingLoop(cfg, ctx)
                        .forwardBackward(model, List.of(), SftMethod.LOSS, step, 1));
                assertTrue(e.getMessage().contains("gradient_checkpointing"), e.getMessage());
            }
        }
    }

    private static List<float[]> readAndZero(Map<String, NDArray> params, NDManager step) {
        List<NDArray> grads = Gradients.take(params, step);
        List<float[]> out = new ArrayList<>();
        for (NDArray g : grads) {
            out.add(g.toFloatArray());
        }
        Gradients.zero(grads);
        return out;
    }
}
