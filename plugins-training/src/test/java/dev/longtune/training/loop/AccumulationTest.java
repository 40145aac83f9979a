package dev.longtune.training.loop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.longtune.api.DataRecord;
import dev.longtune.api.TrainingJob;
import dev.longtune.api.config.DataConfig;
import dev.longtune.api.config.TrainingConfig;
import dev.longtune.conformance.TestRunContext;
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
 * Gradient accumulation equals one big batch: 2 micro-batches of 4 give the gradients (and, through the whole loop,
 * the updated weights) of one batch of 8, although the two halves have different numbers of loss tokens and
 * different padded lengths.
 */
class AccumulationTest {

    @TempDir
    Path out;

    @Test
    void twoByFourEqualsEightGradients() {
        try (TestRunContext ctx = new TestRunContext(out); TinyLm model = new TinyLm(ctx.manager(), 16, 5)) {
            List<SftExample> ex = encode(model, StoryData.records(0, 8));
            SftBatch eight = Batches.pad(ex, 2);
            SftBatch firstFour = Batches.pad(ex.subList(0, 4), 2);
            SftBatch lastFour = Batches.pad(ex.subList(4, 8), 2);
            assertNotEquals(firstFour.lossTokens(), lastFour.lossTokens(), "halves should weigh differently");
            assertNotEquals(firstFour.length(), lastFour.length(), "halves should pad differently");

            Map<String, NDArray> params = new SftMethod(SftOptions.defaults()).trainable(model);
            TrainingLoop loop = new TrainingLoop(TrainingConfig.defaults(), ctx);
            double lossBig;
            List<float[]> big;
            try (NDManager step = ctx.manager().newSubManager()) {
                lossBig = loop.forwardBackward(model, List.of(eight), SftMethod.LOSS, step, 1);
                big = readAndZero(params, step);
            }
            double lossAcc;
            List<float[]> acc;
            try (NDManager step = ctx.manager().newSubManager()) {
                lossAcc = loop.forwardBackward(model, List.of(firstFour, lastFour), SftMethod.LOSS, step, 1);
                acc = readAndZero(params, step);
            }
            assertEquals(lossBig, lossAcc, 1e-5);
            for (int i = 0; i < big.size(); i++) {
                assertArrayEquals(big.get(i), acc.get(i), 1e-5f, "gradient " + i);
            }
        }
    }

    @Test
    void wholeLoopStepWithAccumulationMatchesBigBatch() throws Exception {
        List<float[]> big = trainOneStep(8, 1);
        List<float[]> acc = trainOneStep(4, 2);
        for (int i = 0; i < big.size(); i++) {
            assertArrayEquals(big.get(i), acc.get(i), 1e-5f, "parameter " + i);
        }
    }

    private List<float[]> trainOneStep(int batch, int accumulation) throws Exception {
        try (TestRunContext ctx = new TestRunContext(out); TinyLm model = new TinyLm(ctx.manager(), 16, 5)) {
            TrainingConfig cfg = new TrainingConfig(1, 2, batch, accumulation, 1e-2, "constant", 0, 0.0, 0.0, 0.01,
                    null, null, null, 1.0, 1, null, null, null, null);
            DataConfig data = new DataConfig(null, null, null, null, 512, null, null);
            new SftMethod(SftOptions.defaults()).train(new TrainingJob(model, StoryData.records(0, 8), List.of(),
                    data, cfg, ctx));
            List<float[]> out = new ArrayList<>();
            for (NDArray p : model.parameters().values()) {
                out.add(p.toFloatArray());
            }
            return out;
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

    private static List<SftExample> encode(TinyLm model, List<DataRecord> records) {
        SftEncoder enc = new SftEncoder(model.tokenizer(), 512, false, true);
        List<SftExample> out = new ArrayList<>();
        for (DataRecord r : records) {
            out.add(enc.encode(dev.longtune.api.data.PromptFormats.format("alpaca", r), r).orElseThrow());
        }
        return out;
    }
}
