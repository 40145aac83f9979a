package dev.longtune.training.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import dev.longtune.api.ForwardInput;
import dev.longtune.api.LongtuneException;
import dev.longtune.api.TrainingOutcome;
import dev.longtune.api.config.TrainingConfig;
import dev.longtune.api.nd.TokenLoss;
import dev.longtune.conformance.TestRunContext;
import dev.longtune.training.StoryData;
import dev.longtune.training.TinyLm;
import dev.longtune.training.checkpoint.Checkpoints;
import dev.longtune.training.data.Batches;
import dev.longtune.training.data.SftBatch;
import dev.longtune.training.data.SftEncoder;
import dev.longtune.training.data.SftExample;
import dev.longtune.training.sft.SftMethod;
import dev.longtune.training.sft.SftOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Resuming in process on the small model: from a folder named by path, across an epoch boundary and with
 * accumulation, with the loss sequence of an uninterrupted run; refusals; NaN naming the last good checkpoint.
 */
class ResumeTest {

    @TempDir
    Path tmp;

    /** 14 records, batch 4 → 4 micro-batches per epoch (the last of 2), accumulation 3 → 2 steps per epoch. */
    private static TrainingConfig config(double lr, String resume) {
        return new TrainingConfig(1, 9, 4, 3, lr, "cosine", 2, 0.0, 0.1, 0.01, null, null, null, 1.0, 1, 2, resume,
                2, null);
    }

    private record Result(List<Double> losses, TrainingOutcome outcome, TestRunContext ctx) {}

    private static Result run(Path out, TrainingConfig cfg, LossFunction<SftBatch> loss) throws Exception {
        try (TestRunContext ctx = new TestRunContext(out); TinyLm model = new TinyLm(ctx.manager(), 8, 3)) {
            SftEncoder enc = new SftEncoder(model.tokenizer(), new dev.longtune.api.config.DataConfig(null, null,
                    null, null, 512, null, null));
            List<SftExample> ex = new ArrayList<>();
            for (var r : StoryData.records(0, 14)) {
                ex.add(enc.encode(ctx.format(r), r).orElseThrow());
            }
            BatchSource<SftBatch> src = new BatchSource<>() {
                @Override
                public int batchesPerEpoch() {
                    return Batches.count(ex.size(), 4);
                }

                @Override
                public List<SftBatch> epoch(int epoch) {
                    return Batches.epoch(ex, 4, 2, ctx.seed(), epoch);
                }
            };
            TrainingOutcome o = new TrainingLoop(cfg, ctx).run(model,
                    new SftMethod(SftOptions.defaults()).trainable(model), src, List.of(), loss);
            List<Double> losses = ctx.rows("train").stream().map(r -> (Double) r.get("loss")).toList();
            return new Result(losses, o, ctx);
        }
    }

    /** Stops the run like a crash at the {@code n}-th micro-batch (a plain exception, not a NaN). */
    private static LossFunction<SftBatch> crashAt(int n) {
        AtomicInteger calls = new AtomicInteger();
        return (m, b, step, training) -> {
            if (calls.incrementAndGet() == n) {
                throw new IllegalStateException("simulated crash");
            }
            return SftMethod.LOSS.compute(m, b, step, training);
        };
    }

    @Test
    void resumeFromAPathGivesTheUninterruptedLosses() throws Exception {
        List<Double> full = run(tmp.resolve("full"), config(1e-2, null), SftMethod.LOSS).losses();
        assertEquals(9, full.size());

        Path out = tmp.resolve("resumed");
        // Each epoch is 2 steps of 3 + 1 micro-batches, so micro-batch 14 is inside step 7: checkpoints 2, 4, 6 were
        // written, and keep_checkpoints = 2 left 4 and 6.
        assertThrows(IllegalStateException.class, () -> run(out, config(1e-2, null), crashAt(14)));
        assertEquals(List.of(out.resolve("checkpoints/step-4"), out.resolve("checkpoints/step-6")),
                Checkpoints.of(out).list(), "keep_checkpoints 2");

        // Resume from the older one by path (step 4 = the end of epoch 1, so the next step opens epoch 2).
        Result r = run(out, config(1e-2, "checkpoints/step-4"), SftMethod.LOSS);
        System.out.println("uninterrupted: " + full + "\nresumed at 4:  " + r.losses());
        assertEquals(full.subList(4, 9), r.losses(), "steps 5..9 bit for bit");
        assertEquals(9, r.outcome().steps());
        assertEquals(4.0, r.outcome().extra().get("resumed_from_step"));
        assertEquals(5L, r.ctx().rows("train").get(0).get("step"), "metric rows continue at step 5");
        assertEquals(List.of(out.resolve("checkpoints/step-6"), out.resolve("checkpoints/step-8")),
                Checkpoints.of(out).list(), "the abandoned step-6 was replaced, pruning kept two");
        List<Double> history = Checkpoints.readState(out.resolve("checkpoints/step-8")).losses();
        assertEquals(full.subList(0, 8), history, "loss history spans both runs");

        Result auto = run(out, config(1e-2, "auto"), SftMethod.LOSS);
        assertEquals(full.subList(8, 9), auto.losses(), "auto picks step-8");
    }

    @Test
    void resumingDropsOnlyTheAbandonedRowsOfTheMetricFiles() throws Exception {
        Path out = tmp.resolve("metrics-files");
        assertThrows(IllegalStateException.class, () -> run(out, config(1e-2, null), crashAt(14)));
        // What the host and the loop had written to disk before the crash (TestRunContext keeps its own rows in
        // memory, so these lines are all the files hold): evaluator rows without a step come first.
        Files.createDirectories(out.resolve("metrics"));
        Files.writeString(out.resolve("metrics/eval.jsonl"), """
                {"evaluator":"perplexity","phase":"before","perplexity":4.2}
                {"step":0,"eval_loss":1.5}
                {"step":4,"eval_loss":1.2}
                {"step":6,"eval_loss":1.1}
                {"evaluator":"perplexity","phase":"before","perplexity":4.2}
                {"step":8,"eval_l""");
        Files.writeString(out.resolve("metrics/train.jsonl"), "{\"step\":3,\"loss\":2}\n{\"step\":5,\"loss\":1}\n");

        run(out, config(1e-2, "checkpoints/step-4"), SftMethod.LOSS);
        assertEquals(List.of("{\"evaluator\":\"perplexity\",\"phase\":\"before\",\"perplexity\":4.2}",
                "{\"step\":0,\"eval_loss\":1.5}", "{\"step\":4,\"eval_loss\":1.2}",
                "{\"evaluator\":\"perplexity\",\"phase\":\"before\",\"perplexity\":4.2}"),
                Files.readAllLines(out.resolve("metrics/eval.jsonl")), "rows after step 4 and the torn line go");
        assertEquals(List.of("{\"step\":3,\"loss\":2}"), Files.readAllLines(out.resolve("metrics/train.jsonl")));
    }

    @Test
    void resumeMidEpochWithoutAccumulation() throws Exception {
        TrainingConfig plain = new TrainingConfig(2, 0, 4, 1, 1e-2, "linear", 1, 0.0, 0.0, 0.0, null, null, null,
                1.0, 1, 3, null, 0, null);
        List<Double> full = run(tmp.resolve("full"), plain, SftMethod.LOSS).losses();
        assertEquals(8, full.size());
        Path out = tmp.resolve("resumed");
        assertThrows(IllegalStateException.class, () -> run(out, plain, crashAt(6)));
        Result r = run(out, plain.withResumeFromCheckpoint("auto"), SftMethod.LOSS);
        assertEquals(full.subList(3, 8), r.losses(), "resumed after step 3, inside epoch 0");
    }

    /** The SFT loss with dropout on the logits: torch's generator decides the masks (as in LoRA's dropout). */
    private static final LossFunction<SftBatch> WITH_DROPOUT = (model, batch, step, training) -> {
        NDArray logits = model.forward(new ForwardInput(batch.idsArray(step), null, null, training));
        NDArray dropped = training
                ? logits.getNDArrayInternal().dropout(logits, 0.3f, true).singletonOrThrow() : logits;
        return TokenLoss.shiftedNll(dropped, batch.labelsArray(step));
    };

    /** Random masks replay after a resume: the engine generator is reseeded from (seed, step) before every step. */
    @Test
    void dropoutReplaysAfterResume() throws Exception {
        TrainingConfig plain = new TrainingConfig(1, 8, 4, 1, 1e-2, "constant", 0, 0.0, 0.0, 0.0, null, null, null,
                1.0, 1, 2, null, 0, null);
        List<Double> full = run(tmp.resolve("full"), plain, WITH_DROPOUT).losses();
        List<Double> clean = run(tmp.resolve("clean"), plain, SftMethod.LOSS).losses();
        assertFalse(full.get(0).equals(clean.get(0)), "dropout changes the loss");
        Path out = tmp.resolve("resumed");
        AtomicInteger calls = new AtomicInteger();
        LossFunction<SftBatch> crashing = (m, b, step, training) -> {
            if (calls.incrementAndGet() == 6) {
                throw new IllegalStateException("simulated crash");
            }
            return WITH_DROPOUT.compute(m, b, step, training);
        };
        assertThrows(IllegalStateException.class, () -> run(out, plain, crashing));
        Result r = run(out, plain.withResumeFromCheckpoint("auto"), WITH_DROPOUT);
        assertEquals(4.0, r.outcome().extra().get("resumed_from_step"));
        assertEquals(full.subList(4, 8), r.losses(), "steps 5..8 with the same dropout masks");
    }

    @Test
    void autoWithoutACheckpointStartsFreshAndSaysSo() throws Exception {
        Result r = run(tmp, config(1e-2, "auto"), SftMethod.LOSS);
        assertEquals(9, r.losses().size());
        Map<String, Object> row = r.ctx().rows("checkpoints").get(0);
        assertEquals("fresh_start", row.get("event"));
        assertFalse(r.outcome().extra().containsKey("resumed_from_step"));
    }

    @Test
    void refusesACheckpointOfADifferentConfiguration() throws Exception {
        Path out = tmp;
        assertThrows(IllegalStateException.class, () -> run(out, config(1e-2, null), crashAt(8)));
        LongtuneException e = assertThrows(LongtuneException.class,
                () -> run(out, config(5e-3, "auto"), SftMethod.LOSS));
        assertTrue(e.getMessage().contains("cannot resume from " + out.resolve("checkpoints/step-2")),
                e.getMessage());
        assertTrue(e.getMessage().contains("learning_rate: checkpoint 0.01, now 0.005"), e.getMessage());
    }

    @Test
    void nanNamesTheLastGoodCheckpoint() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        LossFunction<SftBatch> poisoned = (m, b, step, training) -> {
            TokenLoss.Sum s = SftMethod.LOSS.compute(m, b, step, training);
            return calls.incrementAndGet() == 10 ? new TokenLoss.Sum(s.sum().mul(Float.NaN), s.tokens()) : s;
        };
        LongtuneException e = assertThrows(LongtuneException.class, () -> run(tmp, config(1e-2, null), poisoned));
        assertTrue(e.getMessage().contains("training stopped at step 5"), e.getMessage());
        assertTrue(e.getMessage().contains("Last good checkpoint: " + tmp.resolve("checkpoints/step-4")),
                e.getMessage());
        assertTrue(e.getMessage().matches("(?s).*stories\\.jsonl:\\d+.*"), e.getMessage());

        AtomicInteger early = new AtomicInteger();
        LossFunction<SftBatch> first = (m, b, step, training) -> {
            TokenLoss.Sum s = SftMethod.LOSS.compute(m, b, step, training);
            return early.incrementAndGet() == 1 ? new TokenLoss.Sum(s.sum().mul(Float.NaN), s.tokens()) : s;
        };
        e = assertThrows(LongtuneException.class, () -> run(tmp.resolve("b"), config(1e-2, null), first));
        assertTrue(e.getMessage().contains("no checkpoint written yet"), e.getMessage());
        assertTrue(Files.notExists(tmp.resolve("b/checkpoints")));
    }
}
