package dev.longtune.training.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDManager;
import dev.longtune.api.LanguageModel;
import dev.longtune.api.LongtuneException;
import dev.longtune.api.TrainingJob;
import dev.longtune.api.TrainingOutcome;
import dev.longtune.api.config.DataConfig;
import dev.longtune.api.config.TrainingConfig;
import dev.longtune.api.nd.TokenLoss;
import dev.longtune.conformance.TestRunContext;
import dev.longtune.training.StoryData;
import dev.longtune.training.TinyLm;
import dev.longtune.training.data.SftBatch;
import dev.longtune.training.sft.SftMethod;
import dev.longtune.training.sft.SftOptions;
import java.lang.reflect.Field;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shared loop on a small differentiable model: metrics, NaN handling, and where memory goes. */
class TrainingLoopTest {

    @TempDir
    Path out;

    private static final DataConfig DATA = new DataConfig(null, null, null, null, 512, null, null);

    private static TrainingConfig config(int steps, int logEvery) {
        return new TrainingConfig(1, steps, 4, 1, 1e-2, "cosine", 2, 0.0, 0.1, 0.0, null, null, null, 1.0, logEvery,
                null, null, null, null);
    }

    @Test
    void trainsLogsAndEvaluates() throws Exception {
        try (TestRunContext ctx = new TestRunContext(out); TinyLm model = new TinyLm(ctx.manager(), 16, 1)) {
            TrainingOutcome o = new SftMethod(SftOptions.defaults()).train(new TrainingJob(model,
                    StoryData.records(0, 40), StoryData.records(40, 48), DATA, config(25, 5), ctx));
            assertEquals(25, o.steps());
            List<Map<String, Object>> rows = ctx.rows("train");
            assertEquals(5, rows.size());
            assertEquals(5L, rows.get(0).get("step"));
            assertTrue(rows.get(0).keySet().containsAll(List.of("loss", "lr", "grad_norm", "tokens", "tokens_per_s",
                    "elapsed_s")));
            double firstLoss = (Double) rows.get(0).get("loss");
            assertTrue(o.finalLoss() < firstLoss, "training loss should fall: " + firstLoss + " -> " + o.finalLoss());
            assertEquals(2, ctx.rows("eval").size());
            assertTrue(o.extra().get("eval_loss") < o.extra().get("eval_loss_initial"), o.extra().toString());
            Map<String, Object> data = ctx.rows("data").get(0);
            assertEquals(40L, data.get("train_examples"));
            assertEquals(0L, data.get("train_skipped"));
            assertEquals(8L, data.get("eval_examples"));
            // Last metric row: cosine with floor 0.1 has reached 0.1 * peak... one step before the end.
            double lastLr = (Double) rows.get(4).get("lr");
            assertEquals(1e-2 * (0.1 + 0.9 * 0.5 * (1 + Math.cos(Math.PI * 22 / 23.0))), lastLr, 1e-12);
        }
    }

    @Test
    void nanLossStopsNamingStepAndRecords() {
        try (TestRunContext ctx = new TestRunContext(out); TinyLm model = new TinyLm(ctx.manager(), 8, 1)) {
            AtomicInteger calls = new AtomicInteger();
            LossFunction<SftBatch> poisoned = (m, b, step, training) -> {
                TokenLoss.Sum s = SftMethod.LOSS.compute(m, b, step, training);
                return calls.incrementAndGet() == 3 ? new TokenLoss.Sum(s.sum().mul(Float.NaN), s.tokens()) : s;
            };
            LongtuneException e = assertThrows(LongtuneException.class, () -> runLoop(ctx, model, poisoned, 5));
            assertTrue(e.getMessage().contains("step 3"), e.getMessage());
            assertTrue(e.getMessage().matches("(?s).*stories\\.jsonl:\\d+.*"), e.getMessage());
        }
    }

    /**
     * Caps the model's manager while the forward pass and loss run (from the second step on, so lazy caches may be
     * built once) to prove no activation attaches to it, and checks that it holds as many arrays after training as
     * before, so no gradient handle or optimiser view stays there either.
     */
    @Test
    void nothingAttachesToTheModelManager() throws Exception {
        try (TestRunContext ctx = new TestRunContext(out); TinyLm model = new TinyLm(ctx.manager(), 8, 1)) {
            int before = model.manager().getManagedArrays().size();
            AtomicInteger calls = new AtomicInteger();
            AtomicBoolean cappedRan = new AtomicBoolean();
            LossFunction<SftBatch> capped = (m, b, step, training) -> {
                if (calls.incrementAndGet() == 1) {
                    return SftMethod.LOSS.compute(m, b, step, training);
                }
                m.manager().cap();
                try {
                    TokenLoss.Sum s = SftMethod.LOSS.compute(m, b, step, training);
                    s.sum().getFloat();
                    cappedRan.set(true);
                    return s;
                } finally {
                    uncap(m.manager());
                }
            };
            runLoop(ctx, model, capped, 6);
            assertTrue(cappedRan.get());
            assertEquals(before, model.manager().getManagedArrays().size());
        }
    }

    private static void runLoop(TestRunContext ctx, LanguageModel model, LossFunction<SftBatch> loss, int steps)
            throws Exception {
        SftMethod sft = new SftMethod(SftOptions.defaults());
        var enc = new dev.longtune.training.data.SftEncoder(model.tokenizer(), DATA);
        List<dev.longtune.training.data.SftExample> ex = new java.util.ArrayList<>();
        for (var r : StoryData.records(0, 16)) {
            ex.add(enc.encode(ctx.format(r), r).orElseThrow());
        }
        BatchSource<SftBatch> src = new BatchSource<>() {
            @Override
            public int batchesPerEpoch() {
                return 4;
            }

            @Override
            public List<SftBatch> epoch(int epoch) {
                return dev.longtune.training.data.Batches.epoch(ex, 4, 2, 42, epoch);
            }
        };
        new TrainingLoop(config(steps, 1), ctx).run(model, sft.trainable(model), src, List.of(), loss);
    }

    /** Test-only: DJL has {@code cap()} but no way back, and the model must be usable after the test. */
    static void uncap(NDManager manager) {
        try {
            Field f = BaseNDManager.class.getDeclaredField("capped");
            f.setAccessible(true);
            ((AtomicBoolean) f.get(manager)).set(false);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }
}
