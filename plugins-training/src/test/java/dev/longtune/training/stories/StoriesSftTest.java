package dev.longtune.training.stories;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import dev.longtune.api.DataRecord;
import dev.longtune.api.LanguageModel;
import dev.longtune.api.PromptCompletion;
import dev.longtune.api.TextTokenizer;
import dev.longtune.api.TrainingJob;
import dev.longtune.api.TrainingOutcome;
import dev.longtune.api.config.DataConfig;
import dev.longtune.api.config.TrainingConfig;
import dev.longtune.api.data.PromptFormats;
import dev.longtune.conformance.TestRunContext;
import dev.longtune.training.data.SftEncoder;
import dev.longtune.training.data.SftExample;
import dev.longtune.training.sft.SftMethod;
import dev.longtune.training.sft.SftOptions;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Full fine-tuning of the real pretrained stories260K Llama on bundled Alpaca-format stories. */
class StoriesSftTest {

    @TempDir
    Path out;

    private static final DataConfig DATA = new DataConfig(null, null, null, "alpaca", 256, null, null);

    private static TrainingConfig config(int steps, int batch) {
        return new TrainingConfig(1, steps, batch, 1, 1e-3, "cosine", 3, 0.0, 0.1, 0.01, null, null, null, 1.0, 1,
                null, null, null, null);
    }

    @Test
    void heldOutLossDropsAndTheSameSeedGivesTheSameLosses() throws Exception {
        List<DataRecord> train = Stories.quickstart("train", 40);
        List<DataRecord> eval = Stories.quickstart("eval", 8);
        Run first = run(train, eval, 30);
        Run second = run(train, eval, 30);
        double before = first.outcome.extra().get("eval_loss_initial");
        double after = first.outcome.extra().get("eval_loss");
        System.out.printf("stories260K sft: 30 steps at batch 4, lr 1e-3 in %.2f s; held-out loss %.4f -> %.4f; "
                + "train loss %.4f -> %.4f%n", first.outcome.seconds(), before, after, first.losses[0],
                first.losses[29]);
        assertTrue(after < before - 0.1, "held-out loss should drop: " + before + " -> " + after);
        assertArrayEquals(first.losses, second.losses, 0.0, "same seed, same loss sequence");
        assertEquals(after, second.outcome.extra().get("eval_loss"), 0.0);
        assertFalse(first.losses[0] == first.losses[29]);
    }

    private record Run(TrainingOutcome outcome, double[] losses) {}

    private Run run(List<DataRecord> train, List<DataRecord> eval, int steps) throws Exception {
        try (TestRunContext ctx = new TestRunContext(out, 42L, "alpaca"); LanguageModel model = Stories.load(
                ctx.manager())) {
            TrainingOutcome o = new SftMethod(SftOptions.defaults())
                    .train(new TrainingJob(model, train, eval, DATA, config(steps, 4), ctx));
            List<Map<String, Object>> rows = ctx.rows("train");
            assertEquals(steps, rows.size());
            double[] losses = rows.stream().mapToDouble(r -> (Double) r.get("loss")).toArray();
            Map<String, Object> data = ctx.rows("data").get(0);
            assertEquals(40L, data.get("train_examples"));
            assertEquals(0L, data.get("train_truncated"));
            for (NDArray p : model.parameters().values()) {
                assertFalse(p.hasGradient(), "the model is handed back frozen");
            }
            return new Run(o, losses);
        }
    }

    /**
     * {@code save_every} writes resumable checkpoints every that many steps (not at the end: the host exports it),
     * holding the full model's weights when everything trains.
     */
    @Test
    void savesResumableCheckpoints() throws Exception {
        try (TestRunContext ctx = new TestRunContext(out, 42L, "alpaca"); LanguageModel model = Stories.load(
                ctx.manager())) {
            TrainingConfig cfg = new TrainingConfig(1, 4, 2, 1, 1e-3, "constant", 0, 0.0, 0.0, 0.0, null, null, null,
                    1.0, 1, 2, null, null, null);
            new SftMethod(SftOptions.defaults()).train(new TrainingJob(model, Stories.quickstart("train", 8),
                    List.of(), DATA, cfg, ctx));
            Path ck = out.resolve("checkpoints/step-2");
            var saved = dev.longtune.training.checkpoint.Checkpoints.load(ck);
            assertEquals(model.parameters().keySet(), saved.trainable().keySet());
            assertEquals(2, saved.state().step());
            assertEquals(2, saved.state().losses().size());
            assertFalse(java.nio.file.Files.exists(out.resolve("checkpoints/step-4")), "the host saves the end");
        }
    }

    /** The encoder with the real SentencePiece-style tokenizer: layout, masking, truncation. */
    @Test
    void encoderWithTheRealTokenizer() throws Exception {
        try (TestRunContext ctx = new TestRunContext(out); LanguageModel model = Stories.load(ctx.manager())) {
            TextTokenizer tok = model.tokenizer();
            DataRecord rec = Stories.quickstart("train", 1).get(0);
            PromptCompletion pc = PromptFormats.format("alpaca", rec);
            int[] p = tok.encode(pc.prompt());
            int[] c = tok.encode(pc.completion());
            SftExample ex = new SftEncoder(tok, 1024, false, true).encode(pc, rec).orElseThrow();
            assertEquals(1 + p.length + c.length + 1, ex.ids().length);
            assertEquals(1, ex.ids()[0]); // <s>
            assertEquals(2, ex.ids()[ex.ids().length - 1]); // </s>
            assertArrayEquals(p, Arrays.copyOfRange(ex.ids(), 1, 1 + p.length));
            assertArrayEquals(c, Arrays.copyOfRange(ex.ids(), 1 + p.length, 1 + p.length + c.length));
            for (int t = 0; t < ex.labels().length; t++) {
                assertEquals(t <= p.length ? SftEncoder.IGNORE : ex.ids()[t], ex.labels()[t], "label " + t);
            }
            assertEquals(c.length + 1, ex.lossTokens());
            assertEquals(pc.completion(), tok.decode(Arrays.copyOfRange(ex.labels(), 1 + p.length,
                    ex.labels().length - 1)).trim());
            int[] joint = tok.encode(pc.fullText());
            System.out.printf("stories260K tokenizer: prompt %d + completion %d tokens separately, %d jointly%n",
                    p.length, c.length, joint.length);

            SftEncoder cut = new SftEncoder(tok, p.length + 6, false, true);
            SftExample t = cut.encode(pc, rec).orElseThrow();
            assertEquals(p.length + 6, t.ids().length);
            assertEquals(5, t.lossTokens());
            assertEquals(1, cut.truncated());
            assertTrue(new SftEncoder(tok, p.length + 1, false, true).encode(pc, rec).isEmpty());
        }
    }
}
