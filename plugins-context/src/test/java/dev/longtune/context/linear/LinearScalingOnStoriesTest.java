package dev.longtune.context.linear;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longtune.api.ContextExtension;
import dev.longtune.api.ForwardInput;
import dev.longtune.api.LanguageModel;
import dev.longtune.api.ModelLoadRequest;
import dev.longtune.api.NoOptions;
import dev.longtune.conformance.Fixtures;
import dev.longtune.models.llama.LlamaArchitecture;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Linear scaling applied to a real pretrained Llama (stories260K, context 512) by the llama architecture. */
class LinearScalingOnStoriesTest {

    private static final String STORY = "Once upon a time, there was a little girl named Lily. She loved to play "
            + "outside in the park with her big red ball. One day, she saw a small dog under a tree. The dog was "
            + "sad because it was lost. Lily said, \"Do not be sad, little dog. I will help you find your home.\" ";

    private static NDManager root;

    @BeforeAll
    static void openManager() {
        root = NDManager.newBaseManager(Device.cpu());
    }

    @AfterAll
    static void closeManager() {
        root.close();
    }

    private static LanguageModel load(ContextExtension extension) throws Exception {
        Path dir = Fixtures.stories260K();
        ObjectNode config = (ObjectNode) new ObjectMapper().readTree(dir.resolve("config.json").toFile());
        return new LlamaArchitecture().load(new NoOptions(),
                new ModelLoadRequest(dir, config, extension, DataType.FLOAT32, Device.cpu(), root));
    }

    /** The first {@code n} tokens of the story repeated, BOS first. */
    private static long[] tokens(LanguageModel model, int n) {
        int[] ids = model.tokenizer().encodeWithBos(STORY.repeat(1 + n / 40));
        assertTrue(ids.length >= n, "story too short: " + ids.length + " tokens");
        return Arrays.stream(ids).limit(n).asLongStream().toArray();
    }

    private static long[] positions(int n, int step) {
        long[] p = new long[n];
        for (int i = 0; i < n; i++) {
            p[i] = (long) i * step;
        }
        return p;
    }

    private static float[] logits(LanguageModel model, NDManager step, long[] ids, long[] positions) {
        Shape shape = new Shape(1, ids.length);
        NDArray input = step.create(ids, shape);
        NDArray pos = positions == null ? null : step.create(positions, shape);
        return model.forward(new ForwardInput(input, pos, null, false)).toFloatArray();
    }

    @Test
    void factorTwoDoublesTheContextAndRunsAFullWindow() throws Exception {
        try (LanguageModel model = load(new LinearScaling(LinearScalingOptions.ofFactor(2)));
                NDManager step = root.newSubManager()) {
            assertEquals(1024, model.config().maxPositionEmbeddings());
            NDArray input = step.create(tokens(model, 1024), new Shape(1, 1024));
            NDArray logits = model.forward(ForwardInput.of(input));
            assertEquals(new Shape(1, 1024, 512), logits.getShape());
            assertFalse(logits.isNaN().any().getBoolean(), "NaN logits");
            assertFalse(logits.isInfinite().any().getBoolean(), "infinite logits");
        }
    }

    /**
     * Position Interpolation is exactly "positions divided by factor": with factor 2, position 2t is rotated like
     * position t of the unextended model (the angle (2t)·(inv/2) equals t·inv bit for bit, since halving is exact).
     * So the extended model fed positions 0, 2, 4, ... must give the base model's logits for positions 0, 1, 2, ...
     * The 300 tokens take the extended positions to 598, past the base model's 512.
     */
    @Test
    void extendedPositionTwoTMatchesBasePositionT() throws Exception {
        int n = 300;
        try (LanguageModel base = load(null);
                LanguageModel extended = load(new LinearScaling(LinearScalingOptions.ofFactor(2)));
                NDManager step = root.newSubManager()) {
            long[] ids = tokens(base, n);
            float[] expected = logits(base, step, ids, positions(n, 1));
            float[] actual = logits(extended, step, ids, positions(n, 2));
            assertEquals(0.0, maxAbsDifference(expected, actual), 1e-5);

            // Control: at the same positions the two models differ, so the check above is not vacuous.
            float[] samePositions = logits(extended, step, ids, positions(n, 1));
            assertTrue(maxAbsDifference(expected, samePositions) > 1e-2,
                    "linear scaling changed nothing at equal positions");
        }
    }

    private static double maxAbsDifference(float[] a, float[] b) {
        assertEquals(a.length, b.length);
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }
}
