package dev.longtune.training.stories;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDManager;
import dev.longtune.api.DataRecord;
import dev.longtune.api.LanguageModel;
import dev.longtune.api.TrainingOutcome;
import dev.longtune.api.config.TrainingConfig;
import dev.longtune.api.nd.TokenLoss;
import dev.longtune.conformance.TestRunContext;
import dev.longtune.training.data.Batches;
import dev.longtune.training.data.SftBatch;
import dev.longtune.training.data.SftEncoder;
import dev.longtune.training.data.SftExample;
import dev.longtune.training.loop.BatchSource;
import dev.longtune.training.loop.LossFunction;
import dev.longtune.training.loop.TrainingLoop;
import dev.longtune.training.sft.SftMethod;
import dev.longtune.training.sft.SftOptions;
import java.lang.reflect.Field;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shared loop on the real stories260K model: native memory, the model's manager, throughput. */
class StoriesLoopTest {

    @TempDir
    Path out;

    /** Full-window examples of exactly {@code length} tokens (plain text, truncated). */
    private static List<SftExample> windows(LanguageModel model, int n, int length) {
        SftEncoder enc = new SftEncoder(model.tokenizer(), length, true, true);
        List<SftExample> out = new ArrayList<>();
        for (DataRecord r : Stories.longTexts(n, length * 6)) {
            SftExample e = enc.encode(new dev.longtune.api.PromptCompletion("", r.text("text")), r).orElseThrow();
            assertEquals(length, e.ids().length);
            out.add(e);
        }
        return out;
    }

    private static BatchSource<SftBatch> source(List<SftExample> ex, int batch) {
        return new BatchSource<>() {
            @Override
            public int batchesPerEpoch() {
                return Batches.count(ex.size(), batch);
            }

            @Override
            public List<SftBatch> epoch(int epoch) {
                return Batches.epoch(ex, batch, 2, 42, epoch);
            }
        };
    }

    private static TrainingConfig config(int steps, int batch) {
        return new TrainingConfig(1, steps, batch, 1, 1e-3, "cosine", 5, 0.0, 0.1, 0.01, null, null, null, 1.0, 10,
                null, null, null, null);
    }

    /**
     * Resident memory after 20 warm-up steps and after 100 more (batch 4 x 64 tokens) must not grow by more than
     * 64 MB, and the run's manager must hold the same number of arrays at both points. A leak of one step's
     * activations (the logits alone are 0.5 MB, all activations several MB) would add hundreds of MB over 100 steps.
     * The readings are taken at the start of a step, when no graph is alive, after a full GC.
     */
    @Test
    void nativeMemoryStaysFlatAcrossSteps() throws Exception {
        try (TestRunContext ctx = new TestRunContext(out); LanguageModel model = Stories.load(ctx.manager())) {
            List<SftExample> ex = windows(model, 32, 64);
            long[] rss = new long[2];
            long[] heap = new long[2];
            int[] arrays = new int[2];
            AtomicInteger calls = new AtomicInteger();
            LossFunction<SftBatch> probe = (m, b, step, training) -> {
                int c = calls.incrementAndGet();
                if (c == 21 || c == 121) {
                    int i = c == 21 ? 0 : 1;
                    System.gc();
                    try {
                        rss[i] = Stories.rssKb();
                    } catch (java.io.IOException e) {
                        throw new IllegalStateException(e);
                    }
                    heap[i] = Runtime.getRuntime().totalMemory() / 1024;
                    arrays[i] = ctx.manager().getManagedArrays().size();
                }
                return SftMethod.LOSS.compute(m, b, step, training);
            };
            int modelArrays = model.manager().getManagedArrays().size();
            new TrainingLoop(config(121, 4), ctx).run(model, new SftMethod(SftOptions.defaults()).trainable(model),
                    source(ex, 4), List.of(), probe);
            long growth = rss[1] - rss[0];
            System.out.printf("memory, stories260K, batch 4 x 64: RSS after 20 steps %d MB, after 120 steps %d MB "
                    + "(growth %+d kB); committed Java heap %d MB -> %d MB%n", rss[0] / 1024, rss[1] / 1024, growth,
                    heap[0] / 1024, heap[1] / 1024);
            assertTrue(growth < 64 * 1024, "RSS grew by " + growth + " kB over 100 steps");
            assertEquals(arrays[0], arrays[1], "arrays accumulating under the run's manager");
            assertEquals(modelArrays, model.manager().getManagedArrays().size(), "arrays left on the model's manager");
        }
    }

    /**
     * The model's manager is capped while every forward pass and loss after the first runs, so any activation that
     * attached to it would throw; afterwards it holds exactly the arrays it held before.
     */
    @Test
    void nothingAttachesToTheModelManager() throws Exception {
        try (TestRunContext ctx = new TestRunContext(out); LanguageModel model = Stories.load(ctx.manager())) {
            List<SftExample> ex = windows(model, 8, 32);
            int before = model.manager().getManagedArrays().size();
            AtomicInteger calls = new AtomicInteger();
            AtomicInteger cappedCalls = new AtomicInteger();
            LossFunction<SftBatch> capped = (m, b, step, training) -> {
                if (calls.incrementAndGet() == 1) {
                    return SftMethod.LOSS.compute(m, b, step, training); // lets lazy caches be built once
                }
                m.manager().cap();
                try {
                    TokenLoss.Sum s = SftMethod.LOSS.compute(m, b, step, training);
                    s.sum().getFloat();
                    cappedCalls.incrementAndGet();
                    return s;
                } finally {
                    uncap(m.manager());
                }
            };
            SftBatch evalBatch = Batches.pad(ex.subList(0, 2), 2);
            new TrainingLoop(config(6, 2), ctx).run(model, new SftMethod(SftOptions.defaults()).trainable(model),
                    source(ex, 2), List.of(evalBatch), capped);
            // Call 1 is the evaluation before training (uncapped); then 6 training micro-batches and the final
            // evaluation run capped.
            assertEquals(6 + 1, cappedCalls.get());
            assertEquals(before, model.manager().getManagedArrays().size());
        }
    }

    /** Throughput of stories260K SFT at batch 8 x 128 tokens (printed, not asserted). */
    @Test
    void speedAtBatch8Seq128() throws Exception {
        try (TestRunContext ctx = new TestRunContext(out); LanguageModel model = Stories.load(ctx.manager())) {
            List<SftExample> ex = windows(model, 64, 128);
            TrainingLoop loop = new TrainingLoop(config(5, 8), ctx);
            SftMethod sft = new SftMethod(SftOptions.defaults());
            loop.run(model, sft.trainable(model), source(ex, 8), List.of(), SftMethod.LOSS); // warm-up
            TrainingOutcome o = new TrainingLoop(config(20, 8), ctx).run(model, sft.trainable(model), source(ex, 8),
                    List.of(), SftMethod.LOSS);
            System.out.printf("speed, stories260K sft, batch 8 x 128, 2 threads: %.2f steps/s, %.0f tokens/s "
                    + "(%d steps in %.2f s); load average %s%n", o.steps() / o.seconds(), o.tokens() / o.seconds(),
                    o.steps(), o.seconds(), java.nio.file.Files.readString(Path.of("/proc/loadavg")).trim());
            assertEquals(20L * 8 * 128, o.tokens());
        }
    }

    /** Test-only: DJL has {@code cap()} but no way back, and the model must be closable afterwards. */
    private static void uncap(NDManager manager) {
        try {
            Field f = BaseNDManager.class.getDeclaredField("capped");
            f.setAccessible(true);
            ((AtomicBoolean) f.get(manager)).set(false);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

}
