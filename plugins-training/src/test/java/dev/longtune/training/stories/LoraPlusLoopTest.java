package dev.longtune.training.stories;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.longtune.api.LanguageModel;
import dev.longtune.api.config.TrainingConfig;
import dev.longtune.conformance.TestRunContext;
import dev.longtune.training.loop.TrainingLoop;
import dev.longtune.training.sft.SftMethod;
import dev.longtune.training.trains.TrainableStrategies;
import dev.longtune.training.trains.TrainableStrategy;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * LoRA+ through the real loop: the strategy's learning-rate scales reach AdamW explicitly (no ambient state), so
 * {@code lora_B} moves at {@code lr·ratio}. Worked by hand: Adam's first step moves each element by
 * {@code lr·g/(|g| + eps)} (bias corrections cancel at t = 1), i.e. by {@code lr} wherever {@code |g| ≫ eps};
 * B starts at 0, so its largest move after one step is {@code lr·ratio} with LoRA+ and {@code lr} without. (A does
 * not move at step 1: its gradient is {@code s·Bᵀ·…} = 0.)
 */
class LoraPlusLoopTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final double LR = 1e-3;

    @TempDir
    Path tmp;

    @Test
    void loraBMovesAtLrTimesRatioInFloat32AndFloat16() throws Exception {
        for (DataType dtype : List.of(DataType.FLOAT32, DataType.FLOAT16)) {
            double plain = maxMoveOfB(dtype, null);
            double plus = maxMoveOfB(dtype, 16.0);
            System.out.printf("%s: max |dB| after one step: %.6g without LoRA+, %.6g with ratio 16%n", dtype, plain,
                    plus);
            assertEquals(LR, plain, LR * 1e-3, dtype + ": lora_B at lr");
            assertEquals(16 * LR, plus, 16 * LR * 1e-3, dtype + ": lora_B at lr*16");
        }
    }

    private double maxMoveOfB(DataType dtype, Double ratio) throws Exception {
        String name = dtype + "-" + ratio;
        TrainingConfig cfg = new TrainingConfig(1, 1, 4, 1, LR, "constant", 0, 0.0, 0.0, 0.0, null, null, null, 0.0,
                1, 0, null, 2, null);
        try (TestRunContext ctx = new TestRunContext(tmp.resolve(name), 42L, "alpaca");
                LanguageModel model = Fp16Runs.load(ctx.manager(), dtype)) {
            TrainableStrategy strategy = TrainableStrategies.create(JSON.readTree("{\"type\": \"lora\", \"r\": 4, "
                    + "\"target_modules\": [\"q_proj\", \"v_proj\"]"
                    + (ratio == null ? "" : ", \"loraplus_lr_ratio\": " + ratio) + "}"), "trains");
            try (TrainableStrategy.Prepared p = strategy.prepare(model, ctx)) {
                Map<String, Double> scales = p.learningRateScale();
                assertEquals(ratio == null ? 0 : 10, scales.size(), "5 layers x (q, v) lora_B");
                new TrainingLoop(cfg, ctx).withLossScaler(Fp16StoriesTest.FP16_SCALER).run(model, p.trainable(),
                        scales, Fp16Runs.source(model, ctx, 8, 4, 128), List.of(), SftMethod.LOSS);
                double max = 0;
                for (Map.Entry<String, NDArray> e : p.trainable().entrySet()) {
                    float[] v = e.getValue().toFloatArray();
                    for (float x : v) {
                        if (e.getKey().contains("lora_B")) {
                            max = Math.max(max, Math.abs(x)); // B started at 0
                        }
                    }
                    if (e.getKey().contains("lora_B")) {
                        double bound = LR * (ratio == null ? 1 : ratio) * (1 + 1e-5);
                        for (float x : v) {
                            assertTrue(Math.abs(x) <= bound, e.getKey() + " moved " + x + " > " + bound);
                        }
                    }
                }
                return max;
            }
        }
    }
}
