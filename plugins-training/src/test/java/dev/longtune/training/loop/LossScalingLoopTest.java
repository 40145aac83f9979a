package dev.longtune.training.loop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.longtune.api.LanguageModel;
import dev.longtune.api.TrainingOutcome;
import dev.longtune.api.config.DataConfig;
import dev.longtune.api.config.TrainingConfig;
import dev.longtune.conformance.TestRunContext;
import dev.longtune.training.StoryData;
import dev.longtune.training.TinyLm;
import dev.longtune.training.sft.SftMethod;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The loop's fp16 hook: a model holding float16 weights turns dynamic loss scaling on. Scaling by a power of two and
 * unscaling before clipping is exact in float32, so the run matches the unscaled one loss for loss; a float32 model
 * never uses the scaler.
 */
class LossScalingLoopTest {

    @TempDir
    Path out;

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void fp16ModelUsesTheScalerAndMatchesTheUnscaledRun() throws Exception {
        double[] plain = run(false);
        double[] scaled = run(true);
        assertArrayEquals(plain, scaled, 1e-6, "x2^16 then /2^16 before clipping changes nothing in float32");
    }

    private double[] run(boolean fp16) throws Exception {
        DataConfig data = JSON.convertValue(Map.of("max_length", 512), DataConfig.class);
        TrainingConfig training = JSON.convertValue(Map.of("max_steps", 6, "batch_size", 4, "learning_rate", 1e-2,
                "lr_scheduler", "constant", "log_every", 1, "max_grad_norm", 0.5), TrainingConfig.class);
        try (TestRunContext ctx = new TestRunContext(out.resolve(fp16 ? "fp16" : "fp32"));
                TinyLm tiny = new TinyLm(ctx.manager(), 16, 1)) {
            LanguageModel model = tiny;
            if (fp16) { // a frozen float16 weight next to the float32 trainables, as an fp16 base with adapters
                NDArray half = ctx.manager().zeros(new Shape(4), DataType.FLOAT16);
                Map<String, NDArray> params = new LinkedHashMap<>(tiny.parameters());
                params.put("frozen.fp16.weight", half);
                model = (LanguageModel) Proxy.newProxyInstance(LanguageModel.class.getClassLoader(),
                        new Class<?>[] {LanguageModel.class}, (p, m, args) -> {
                            if (m.getName().equals("parameters") && (args == null || args.length == 0)) {
                                return params;
                            }
                            try {
                                return m.invoke(tiny, args);
                            } catch (InvocationTargetException e) {
                                throw e.getCause();
                            }
                        });
            }
            // Drive the loop directly: only the float32 weights train (AdamW refuses fp16 parameters).
            dev.longtune.training.data.SftEncoder enc = new dev.longtune.training.data.SftEncoder(tiny.tokenizer(),
                    data);
            java.util.List<dev.longtune.training.data.SftExample> examples = new java.util.ArrayList<>();
            for (dev.longtune.api.DataRecord r : StoryData.records(0, 24)) {
                enc.encode(ctx.format(r), r).ifPresent(examples::add);
            }
            int pad = dev.longtune.training.data.Batches.padId(tiny.tokenizer());
            BatchSource<dev.longtune.training.data.SftBatch> source = new BatchSource<>() {
                @Override
                public int batchesPerEpoch() {
                    return dev.longtune.training.data.Batches.count(examples.size(), 4);
                }

                @Override
                public java.util.List<dev.longtune.training.data.SftBatch> epoch(int epoch) {
                    return dev.longtune.training.data.Batches.epoch(examples, 4, pad, 42, epoch);
                }
            };
            Map<String, NDArray> trainable = new LinkedHashMap<>(tiny.parameters());
            trainable.values().forEach(a -> a.setRequiresGradient(true));
            TrainingOutcome o = new TrainingLoop(training, ctx).run(model, trainable, source, java.util.List.of(),
                    SftMethod.LOSS);
            trainable.values().forEach(a -> a.setRequiresGradient(false));
            assertEquals(6, o.steps());
            if (fp16) {
                assertEquals(65536.0, o.extra().get("loss_scale"), "2^16, no overflow, no growth yet");
                assertEquals(0.0, o.extra().get("fp16_skipped_steps"));
                assertTrue(ctx.rows("loss_scale").isEmpty());
            } else {
                assertFalse(o.extra().containsKey("loss_scale"));
            }
            return ctx.rows("train").stream().mapToDouble(r -> (Double) r.get("loss")).toArray();
        }
    }
}
