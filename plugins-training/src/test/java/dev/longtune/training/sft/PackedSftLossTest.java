package dev.longtune.training.sft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longtune.api.AttentionPattern;
import dev.longtune.api.ContextExtension;
import dev.longtune.api.DataRecord;
import dev.longtune.api.LanguageModel;
import dev.longtune.api.LongtuneException;
import dev.longtune.api.ModelLoadRequest;
import dev.longtune.api.RopeParameters;
import dev.longtune.api.RopeScaling;
import dev.longtune.api.data.DataFiles;
import dev.longtune.api.data.PromptFormats;
import dev.longtune.api.nd.TokenLoss;
import dev.longtune.conformance.Fixtures;
import dev.longtune.models.llama.LlamaArchitecture;
import dev.longtune.training.data.Batches;
import dev.longtune.training.data.Packing;
import dev.longtune.training.data.SftBatch;
import dev.longtune.training.data.SftEncoder;
import dev.longtune.training.data.SftExample;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A packed SFT step on the real stories260K: the token-weighted mean loss (and its gradient) equal the unpacked
 * loss over the same examples; S²-Attn with packing is refused.
 */
class PackedSftLossTest {

    private static NDManager root;

    @BeforeAll
    static void start() {
        root = NDManager.newBaseManager(Device.cpu());
    }

    @AfterAll
    static void stop() {
        root.close();
    }

    private static LanguageModel load(ContextExtension ext) throws Exception {
        Path dir = Fixtures.stories260K();
        ObjectNode config = (ObjectNode) new ObjectMapper().readTree(dir.resolve("config.json").toFile());
        return new LlamaArchitecture().load(new dev.longtune.api.NoOptions(),
                new ModelLoadRequest(dir, config, ext, DataType.FLOAT32, Device.cpu(), root));
    }

    private static List<SftExample> examples(LanguageModel model, int n, int maxLength) {
        List<DataRecord> recs = DataFiles.read(Fixtures.projectRoot().resolve("examples/data/quickstart-train.jsonl"));
        SftEncoder enc = new SftEncoder(model.tokenizer(), maxLength, false, true);
        List<SftExample> out = new ArrayList<>();
        for (DataRecord r : recs.subList(0, n)) {
            enc.encode(PromptFormats.format("alpaca", r), r).ifPresent(out::add);
        }
        return out;
    }

    /** Token-weighted mean loss and the summed |gradient| of the embedding, for the given batches. */
    private static double[] lossAndGrad(LanguageModel model, List<SftBatch> batches) {
        NDArray embed = model.parameters().get("model.embed_tokens.weight");
        double sum = 0;
        long tokens = 0;
        double[] grad = new double[(int) embed.size()];
        for (SftBatch batch : batches) {
            try (NDManager step = root.newSubManager()) {
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    TokenLoss.Sum s = SftMethod.LOSS.compute(model, batch, step, true);
                    assertEquals(batch.lossTokens(), s.tokens());
                    sum += s.sum().getFloat();
                    tokens += s.tokens();
                    gc.backward(s.sum());
                }
                float[] g = embed.getGradient().toFloatArray();
                for (int i = 0; i < g.length; i++) {
                    grad[i] += g[i];
                }
                embed.getGradient().subi(embed.getGradient()); // zero for the next batch
            }
        }
        double[] out = new double[grad.length + 1];
        out[0] = sum / tokens;
        for (int i = 0; i < grad.length; i++) {
            out[i + 1] = grad[i] / tokens;
        }
        return out;
    }

    @Test
    void packedLossEqualsUnpackedLoss() throws Exception {
        try (LanguageModel model = load(null)) {
            int maxLength = 512;
            List<SftExample> ex = examples(model, 12, maxLength);
            System.out.println("example lengths: " + ex.stream().map(e -> e.ids().length).toList());
            int pad = Batches.padId(model.tokenizer());
            List<List<SftExample>> rows = Packing.pack(ex, maxLength);
            assertTrue(rows.size() < ex.size(), "several examples per row: " + rows.size() + " rows");
            NDArray embed = model.parameters().get("model.embed_tokens.weight");
            embed.setRequiresGradient(true);
            try {
                double[] unpacked = lossAndGrad(model, Batches.inOrder(ex, 4, pad));
                double[] packed = lossAndGrad(model, Packing.inOrder(rows, 2, pad));
                double worstGrad = 0;
                for (int i = 1; i < packed.length; i++) {
                    worstGrad = Math.max(worstGrad, Math.abs(packed[i] - unpacked[i]));
                }
                System.out.printf("stories260K: %d examples in %d packed rows of <= %d; mean loss packed %.8f, "
                        + "unpacked %.8f, |diff| %.3g; max |embed grad diff| %.3g%n", ex.size(), rows.size(),
                        maxLength, packed[0], unpacked[0], Math.abs(packed[0] - unpacked[0]), worstGrad);
                assertEquals(unpacked[0], packed[0], 1e-5);
                assertTrue(worstGrad < 1e-5, "gradient difference " + worstGrad);
            } finally {
                embed.setRequiresGradient(false);
            }
        }
    }

    /** {@code data.packing: true} through {@link SftMethod#train}: the packed rows train and the loss drops. */
    @Test
    void sftTrainsOnPackedRows(@org.junit.jupiter.api.io.TempDir Path out) throws Exception {
        List<DataRecord> train = DataFiles.read(
                Fixtures.projectRoot().resolve("examples/data/quickstart-train.jsonl")).subList(0, 16);
        dev.longtune.api.config.DataConfig data = new dev.longtune.api.config.DataConfig(null, null, null, "alpaca",
                512, null, null, true);
        dev.longtune.api.config.TrainingConfig cfg = new dev.longtune.api.config.TrainingConfig(1, 6, 2, 1, 1e-3,
                "constant", 0, 0.0, 0.0, 0.0, null, null, null, 1.0, 1, null, null, null, null);
        try (dev.longtune.conformance.TestRunContext ctx = new dev.longtune.conformance.TestRunContext(out, 42L,
                "alpaca"); LanguageModel model = load(null)) {
            dev.longtune.api.TrainingOutcome o = new SftMethod(SftOptions.defaults())
                    .train(new dev.longtune.api.TrainingJob(model, train, List.of(), data, cfg, ctx));
            double[] losses = ctx.rows("train").stream().mapToDouble(r -> (Double) r.get("loss")).toArray();
            System.out.println("packed sft on stories260K (16 examples, rows of 512, 2 rows a step): losses "
                    + java.util.Arrays.toString(losses) + ", tokens " + o.tokens());
            assertEquals(6, losses.length);
            assertTrue(losses[5] < losses[0], "loss should drop");
        }
    }

    /** Stands in for longlora: S²-Attn in training. */
    private record S2(String name) implements ContextExtension {
        @Override
        public RopeScaling ropeScaling(RopeParameters rope) {
            return RopeScaling.none(rope);
        }

        @Override
        public int extendedMaxPositions(int originalMaxPositions) {
            return originalMaxPositions;
        }

        @Override
        public Map<String, Object> hfRopeScaling(RopeParameters rope) {
            return Map.of();
        }

        @Override
        public AttentionPattern attention(boolean training) {
            return training ? new AttentionPattern.ShiftedSparse(0.25, false) : AttentionPattern.CAUSAL;
        }

        @Override
        public List<String> trainableParameters() {
            return List.of();
        }
    }

    @Test
    void shiftedSparseAttentionWithPackingIsRefused() throws Exception {
        try (LanguageModel model = load(new S2("longlora-test"))) {
            LongtuneException upFront = assertThrows(LongtuneException.class,
                    () -> SftMethod.refuseShiftedSparse(model));
            assertTrue(upFront.getMessage().contains("data.packing"), upFront.getMessage());
            // And the model itself refuses segment ids under S²-Attn, whoever calls it.
            List<SftExample> ex = examples(model, 4, 64);
            SftBatch batch = Packing.batch(Packing.pack(ex, 128), Batches.padId(model.tokenizer()));
            try (NDManager step = root.newSubManager()) {
                assertThrows(LongtuneException.class, () -> SftMethod.LOSS.compute(model, batch, step, true));
            }
        }
    }
}
