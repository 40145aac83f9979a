package dev.longtune.training.preference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import dev.longtune.api.DataRecord;
import dev.longtune.api.FineTuningMethod;
import dev.longtune.api.LanguageModel;
import dev.longtune.api.TrainingJob;
import dev.longtune.api.TrainingOutcome;
import dev.longtune.api.config.DataConfig;
import dev.longtune.api.config.TrainingConfig;
import dev.longtune.conformance.TestRunContext;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Preference methods on the real pretrained stories260K with the committed Stack Exchange sample. */
class PreferenceStoriesTest {

    @TempDir
    Path out;

    private static final DataConfig DATA = new DataConfig(null, null, null, "auto", 96, null, null);

    /** Bound from JSON, like a config file's {@code training:} section (independent of the record's arity). */
    private static TrainingConfig config(int steps, int batch, double lr) throws Exception {
        return dev.longtune.api.config.OptionsBinder.MAPPER.readValue(String.format(java.util.Locale.ROOT,
                "{\"max_steps\": %d, \"batch_size\": %d, \"learning_rate\": %s, \"lr_scheduler\": \"constant\", "
                + "\"weight_decay\": 0.0, \"max_grad_norm\": 1.0, \"log_every\": 1}", steps, batch, lr),
                TrainingConfig.class);
    }

    private record Run(TrainingOutcome outcome, long forwards, List<Map<String, Object>> train,
            List<Map<String, Object>> preference, Map<String, Object> data) {}

    private Run run(FineTuningMethod method, List<DataRecord> records, int steps, int batch, double lr)
            throws Exception {
        try (TestRunContext ctx = new TestRunContext(out, 42L, "auto");
                PreferenceFixtures.Counting model = new PreferenceFixtures.Counting(
                        PreferenceFixtures.stories(ctx.manager()))) {
            int before = model.manager().getManagedArrays().size();
            TrainingOutcome o = method.train(new TrainingJob(model, records, List.of(), DATA, config(steps, batch, lr),
                    ctx));
            assertEquals(before, model.manager().getManagedArrays().size(), "nothing left on the model's manager");
            for (NDArray p : model.parameters().values()) {
                assertFalse(p.hasGradient(), "the model is handed back frozen");
            }
            return new Run(o, model.forwards.get(), ctx.rows("train"), ctx.rows("preference"),
                    ctx.rows("data").get(0));
        }
    }

    private static double d(Map<String, Object> row, String key) {
        return ((Number) row.get(key)).doubleValue();
    }

    /**
     * At step 1 the policy is the reference (the precomputed log-probs come from the same initial weights), so
     * Δ = 0 for every pair and the sigmoid loss is −log σ(0) = ln 2 exactly, the rewards are 0. A few steps on the
     * same pairs then open a positive margin with most pairs ranked right.
     */
    @Test
    void dpoStartsAtLn2AndLearnsToPreferTheChosenAnswers() throws Exception {
        List<DataRecord> records = PreferenceFixtures.stackExchange(8);
        int steps = 8;
        Run r = run(new DpoMethodFactory().create(DpoOptions.defaults()), records, steps, 4, 2e-3);
        Map<String, Object> first = r.preference().get(0);
        Map<String, Object> last = r.preference().get(r.preference().size() - 1);
        System.out.printf("stories260K dpo: loss %.6f -> %.6f, margin %.4f -> %.4f, accuracy %.2f -> %.2f, "
                + "%d forwards, data %s%n", d(first, "loss"), d(last, "loss"), d(first, "rewards/margins"),
                d(last, "rewards/margins"), d(first, "rewards/accuracies"), d(last, "rewards/accuracies"),
                r.forwards(), r.data());
        assertEquals(Math.log(2), d(r.train().get(0), "loss"), 1e-5, "the loop's step-1 loss is ln 2");
        assertEquals(Math.log(2), d(first, "loss"), 1e-5);
        assertEquals(0.0, d(first, "rewards/chosen"), 1e-5);
        assertEquals(0.0, d(first, "rewards/rejected"), 1e-5);
        assertEquals(0.0, d(first, "rewards/margins"), 1e-5);
        assertEquals(steps, r.preference().size());
        assertTrue(d(last, "rewards/margins") > 0.05, "margin grows: " + last);
        assertTrue(d(last, "rewards/accuracies") >= 0.75, "most pairs ranked right: " + last);
        assertTrue(d(last, "loss") < Math.log(2) - 0.02, "loss falls below ln 2: " + last);
        // One precompute pass per batch of 4 pairs before training, then one forward per step; no second model.
        assertEquals(2, (long) r.outcome().extra().get("reference_forward_passes").doubleValue());
        assertEquals(steps + 2, r.forwards());
        assertEquals(8L, r.data().get("train_pairs"));
    }

    /** ORPO and SimPO have no reference model: exactly one forward pass per step, none for a reference. */
    @Test
    void orpoAndSimpoMakeNoReferencePass() throws Exception {
        List<DataRecord> records = PreferenceFixtures.storyPairs();
        for (FineTuningMethod m : List.of(new OrpoMethodFactory().create(OrpoOptions.defaults()),
                new SimpoMethodFactory().create(SimpoOptions.defaults()))) {
            Run r = run(m, records, 3, 2, 1e-3);
            assertEquals(3, r.forwards(), "one forward per step and no reference pass");
            assertEquals(0.0, r.outcome().extra().get("reference_forward_passes"));
            assertTrue(Double.isFinite(r.outcome().finalLoss()));
            assertTrue(r.preference().get(0).containsKey("nll_loss"), r.preference().get(0).toString());
        }
    }

    /** KTO from preference pairs: chosen desirable, rejected undesirable; starts at 1 − σ(0) = 0.5 with z = 0. */
    @Test
    void ktoStartsAtOneHalf() throws Exception {
        Run r = run(new KtoMethodFactory().create(KtoOptions.defaults()), PreferenceFixtures.storyPairs(), 2, 4,
                1e-3);
        assertEquals(0.5, d(r.preference().get(0), "loss"), 1e-5);
        assertEquals(0.0, d(r.preference().get(0), "kl"), 1e-5);
        assertEquals(8L, r.data().get("train_examples"));
        assertEquals(2 + 2, r.forwards(), "2 reference batches of 4 examples, 2 steps");
    }

    /**
     * LoRA with {@code reference: adapters_disabled}: the reference is the frozen base, run on every micro-batch
     * (two forwards per step, nothing precomputed); LoRA starts with B = 0, so step 1 is again exactly ln 2, and the
     * adapter is exported in PEFT's layout. The same strategy with the default {@code precompute} makes one forward
     * per step after the precompute pass.
     */
    @Test
    void loraWithTheFrozenBaseAsReference() throws Exception {
        List<DataRecord> records = PreferenceFixtures.storyPairs();
        DpoOptions onTheFly = dev.longtune.api.config.OptionsBinder.bind((com.fasterxml.jackson.databind.node.ObjectNode)
                new com.fasterxml.jackson.databind.ObjectMapper().readTree("{\"reference\": \"adapters_disabled\", "
                        + "\"trains\": {\"type\": \"lora\", \"r\": 4, \"alpha\": 8}}"), DpoOptions.class, "dpo",
                "method", dev.longtune.api.config.OptionsBinder.NO_LINES);
        Run r = run(new DpoMethodFactory().create(onTheFly), records, 3, 2, 1e-2);
        assertEquals(Math.log(2), d(r.preference().get(0), "loss"), 1e-5);
        assertEquals(6, r.forwards(), "policy + frozen-base reference per step");
        assertEquals(3.0, r.outcome().extra().get("reference_forward_passes"));
        assertTrue(java.nio.file.Files.exists(out.resolve("adapter/adapter_config.json")), "PEFT adapter written");
        assertTrue(d(r.preference().get(2), "rewards/margins") != 0.0, "the adapter trains");
    }
}
