package dev.longtune.training.moe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longtune.api.DataRecord;
import dev.longtune.api.FineTuningMethod;
import dev.longtune.api.ForwardInput;
import dev.longtune.api.LanguageModel;
import dev.longtune.api.ModelLoadRequest;
import dev.longtune.api.NoOptions;
import dev.longtune.api.TrainingJob;
import dev.longtune.api.TrainingOutcome;
import dev.longtune.api.config.DataConfig;
import dev.longtune.api.config.TrainingConfig;
import dev.longtune.api.nd.TokenLoss;
import dev.longtune.conformance.Fixtures;
import dev.longtune.conformance.TestRunContext;
import dev.longtune.models.llama.LlamaArchitecture;
import dev.longtune.models.llama.LlamaModel;
import dev.longtune.training.data.Batches;
import dev.longtune.training.data.SftBatch;
import dev.longtune.training.data.SftExample;
import dev.longtune.training.loop.LossFunction;
import dev.longtune.training.preference.DpoMethodFactory;
import dev.longtune.training.preference.DpoOptions;
import dev.longtune.training.sft.SftMethod;
import dev.longtune.training.sft.SftOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mixtral's router auxiliary loss in the training methods, on a tiny random Mixtral ({@link TinyMixtral}: 4 experts,
 * top-2, {@code router_aux_loss_coef} 0.02). transformers: {@code loss = CE + router_aux_loss_coef · aux}; TRL's
 * preference trainers: {@code losses + aux_loss_coef · aux_loss} per pair. The references here are a cross-entropy
 * computed in Java from inference logits, {@code ln 2} (DPO at step 1) and the model's unweighted load-balancing
 * loss (itself checked against a hand computation in plugins-models' MixtralTest).
 */
class MixtralAuxLossTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ROUTER = "model.layers.0.block_sparse_moe.gate.weight";
    private static NDManager root;
    private static Path dir;

    @TempDir
    static Path tmp;

    @BeforeAll
    static void start() throws Exception {
        root = NDManager.newBaseManager(Device.cpu());
        dir = TinyMixtral.write(tmp.resolve("mixtral"), 7L);
    }

    @AfterAll
    static void stop() {
        root.close();
    }

    /** Two rows of 12 random ids (no padding, so transformers' attention mask would change nothing), all labelled. */
    private static SftBatch batch() {
        Random r = new Random(3);
        List<SftExample> rows = new ArrayList<>();
        for (int b = 0; b < 2; b++) {
            int[] ids = new int[12];
            ids[0] = 1;
            for (int t = 1; t < ids.length; t++) {
                ids[t] = 3 + r.nextInt(500);
            }
            rows.add(new SftExample(ids, ids.clone(), null));
        }
        return Batches.pad(rows, 0);
    }

    /** Mean next-token cross-entropy in double precision from an inference forward (no auxiliary term). */
    private static double crossEntropy(LanguageModel model, SftBatch batch) {
        try (NDManager m = root.newSubManager()) {
            float[] logits = model.forward(ForwardInput.of(batch.idsArray(m))).toFloatArray();
            int v = model.config().vocabSize();
            int t = batch.length();
            double sum = 0;
            int n = 0;
            for (int b = 0; b < batch.rows(); b++) {
                for (int i = 0; i + 1 < t; i++) {
                    int base = (b * t + i) * v;
                    double max = Double.NEGATIVE_INFINITY;
                    for (int k = 0; k < v; k++) {
                        max = Math.max(max, logits[base + k]);
                    }
                    double z = 0;
                    for (int k = 0; k < v; k++) {
                        z += Math.exp(logits[base + k] - max);
                    }
                    int target = (int) batch.labels()[b * t + i + 1];
                    sum += max + Math.log(z) - logits[base + target];
                    n++;
                }
            }
            return sum / n;
        }
    }

    private record Step(double loss, float[] routerGrad, double loadBalancing) {}

    private static Step step(LanguageModel model, SftBatch batch, LossFunction<SftBatch> loss) {
        NDArray router = model.parameters().get(ROUTER);
        try (NDManager m = root.newSubManager()) {
            double value;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                TokenLoss.Sum s = loss.compute(model, batch, m, true);
                NDArray mean = s.mean();
                value = mean.getFloat();
                gc.backward(mean);
            }
            double lb = ((LlamaModel) model).loadBalancingLoss().orElseThrow().getFloat();
            float[] g;
            try (NDArray grad = router.getGradient()) {
                g = grad.toFloatArray();
                grad.subi(grad);
            }
            return new Step(value, g, lb);
        }
    }

    @Test
    void sftLossIsCrossEntropyPlusCoefTimesLoadBalancingAndItsGradientReachesTheRouter() throws Exception {
        try (LanguageModel model = TinyMixtral.load(dir, root)) {
            model.parameters().get(ROUTER).setRequiresGradient(true);
            SftBatch batch = batch();
            double ce = crossEntropy(model, batch);
            Step on = step(model, batch, SftMethod.LOSS);
            Step off = step(model, batch, SftMethod.loss(false, null, null));
            System.out.printf("tiny mixtral sft: CE %.7f, load-balancing %.7f, loss with aux %.7f (CE + 0.02·lb = "
                    + "%.7f), without %.7f%n", ce, on.loadBalancing(), on.loss(),
                    ce + TinyMixtral.COEF * on.loadBalancing(), off.loss());
            assertTrue(on.loadBalancing() > 0.5, "E·Σ f·P is top_k = 2 for a perfectly balanced router: " + on.loadBalancing());
            assertEquals(ce + TinyMixtral.COEF * on.loadBalancing(), on.loss(), 1e-5);
            assertEquals(ce, off.loss(), 1e-5);

            // The gradient the term adds to the router is exactly that of coef · lb alone.
            float[] aux;
            try (NDManager m = root.newSubManager()) {
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    model.forward(new ForwardInput(batch.idsArray(m), null, null, true));
                    gc.backward(model.auxiliaryLoss().orElseThrow());
                }
                try (NDArray grad = model.parameters().get(ROUTER).getGradient()) {
                    aux = grad.toFloatArray();
                    grad.subi(grad);
                }
            }
            double norm = 0;
            double diff = 0;
            for (int i = 0; i < aux.length; i++) {
                norm += Math.abs(aux[i]);
                diff = Math.max(diff, Math.abs(on.routerGrad()[i] - off.routerGrad()[i] - aux[i]));
            }
            System.out.printf("router gradient of the aux term: L1 %.3e, max |(on - off) - aux| %.3e%n", norm, diff);
            assertTrue(norm > 1e-4, "the auxiliary term has a gradient on the router: " + norm);
            assertTrue(diff < 1e-6 + 1e-3 * norm / aux.length, "on - off = grad(coef·lb): " + diff);
            model.parameters().get(ROUTER).setRequiresGradient(false);
        }
    }

    @Test
    void aDenseLlamaIsUnaffected() throws Exception {
        Path stories = Fixtures.stories260K();
        ObjectNode config = (ObjectNode) JSON.readTree(stories.resolve("config.json").toFile());
        try (LanguageModel model = new LlamaArchitecture().load(new NoOptions(), new ModelLoadRequest(stories, config,
                null, DataType.FLOAT32, Device.cpu(), root)); NDManager m = root.newSubManager()) {
            SftBatch batch = batch();
            float with = SftMethod.LOSS.compute(model, batch, m, true).sum().getFloat();
            float plain = TokenLoss.shiftedNll(model.forward(new ForwardInput(batch.idsArray(m), null, null, true)),
                    batch.labelsArray(m)).sum().getFloat();
            assertTrue(model.auxiliaryLoss().isEmpty());
            assertEquals(plain, with, 0f);
            assertEquals(crossEntropy(model, batch) * batch.lossTokens(), with, 1e-3);
        }
    }

    private static TrainingConfig config(int steps) throws Exception {
        return dev.longtune.api.config.OptionsBinder.MAPPER.readValue("{\"max_steps\": " + steps + ", \"batch_size\": "
                + "2, \"learning_rate\": 1e-3, \"lr_scheduler\": \"constant\", \"log_every\": 1}",
                TrainingConfig.class);
    }

    private record Run(TrainingOutcome outcome, List<Map<String, Object>> train, List<Map<String, Object>> aux,
            List<Map<String, Object>> preference) {}

    private static Run run(FineTuningMethod method, List<DataRecord> records, String format, int steps, Path out)
            throws Exception {
        DataConfig data = new DataConfig(null, null, null, format, 64, null, null);
        try (TestRunContext ctx = new TestRunContext(out, 5L, format);
                LanguageModel model = TinyMixtral.load(dir, ctx.manager())) {
            TrainingOutcome o = method.train(new TrainingJob(model, records, List.of(), data, config(steps), ctx));
            return new Run(o, ctx.rows("train"), ctx.rows("aux_loss"), ctx.rows("preference"));
        }
    }

    private static double d(Map<String, Object> row, String key) {
        return ((Number) row.get(key)).doubleValue();
    }

    @Test
    void sftRunLogsAuxLossAndCanTurnItOff() throws Exception {
        List<DataRecord> records = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            records.add(new DataRecord("t.jsonl", i + 1, JSON.createObjectNode().put("prompt", "Tom saw a dog. ")
                    .put("completion", "The dog ran to the park " + i + " times.")));
        }
        Run on = run(new SftMethod(SftOptions.defaults()), records, "prompt_completion", 2, tmp.resolve("on"));
        Run off = run(new SftMethod(new SftOptions(null, null, null, false)), records, "prompt_completion", 2,
                tmp.resolve("off"));
        System.out.println("tiny mixtral sft run: train " + on.train() + "\n  aux " + on.aux() + "\n  off "
                + off.train());
        assertEquals(2, on.aux().size());
        assertEquals(1L, on.aux().get(0).get("step"));
        double aux1 = d(on.aux().get(0), "aux_loss");
        assertTrue(aux1 > 0.5 * TinyMixtral.COEF && aux1 < 4 * TinyMixtral.COEF, "coef · lb: " + aux1);
        // Same weights and batch at step 1: the two runs differ by exactly the logged term.
        assertEquals(d(off.train().get(0), "loss") + aux1, d(on.train().get(0), "loss"), 1e-5);
        assertEquals(d(on.aux().get(1), "aux_loss"), on.outcome().extra().get("aux_loss"), 0.0);
        assertTrue(off.aux().isEmpty());
        assertTrue(!off.outcome().extra().containsKey("aux_loss"));
    }

    @Test
    void dpoAddsTheTermToEveryPairAsTrlDoes() throws Exception {
        List<DataRecord> records = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            records.add(new DataRecord("p.jsonl", i + 1, JSON.createObjectNode().put("prompt", "Lily had a ball. ")
                    .put("chosen", "She threw it to her friend.").put("rejected", "Ball ball ball " + i + ".")));
        }
        Run on = run(new DpoMethodFactory().create(DpoOptions.defaults()), records, "auto", 1, tmp.resolve("dpo"));
        Run off = run(new DpoMethodFactory().create(new DpoOptions(null, null, null, null, null, null, false)),
                records, "auto", 1, tmp.resolve("dpo-off"));
        Map<String, Object> first = on.preference().get(0);
        System.out.println("tiny mixtral dpo step 1: " + first);
        double aux = d(first, "aux_loss");
        assertTrue(aux > 0.5 * TinyMixtral.COEF && aux < 4 * TinyMixtral.COEF, "coef · lb: " + aux);
        // Step 1: the policy is the reference, each pair's DPO loss is ln 2; TRL adds coef · aux to each.
        assertEquals(Math.log(2) + aux, d(first, "loss"), 1e-5);
        assertEquals(Math.log(2) + aux, d(on.train().get(0), "loss"), 1e-5);
        assertEquals(Math.log(2), d(off.preference().get(0), "loss"), 1e-6);
        assertTrue(!off.preference().get(0).containsKey("aux_loss"));
    }
}
