package dev.longtune.context;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longtune.api.ContextExtension;
import dev.longtune.api.ForwardInput;
import dev.longtune.api.LanguageModel;
import dev.longtune.api.ModelLoadRequest;
import dev.longtune.api.NoOptions;
import dev.longtune.api.nd.TokenLoss;
import dev.longtune.conformance.Fixtures;
import dev.longtune.context.dynamic.DynamicNtk;
import dev.longtune.context.dynamic.DynamicNtkOptions;
import dev.longtune.context.linear.LinearScaling;
import dev.longtune.context.linear.LinearScalingOptions;
import dev.longtune.context.llama3.Llama3Scaling;
import dev.longtune.context.llama3.Llama3ScalingOptions;
import dev.longtune.context.longlora.LongLora;
import dev.longtune.context.longlora.LongLoraOptions;
import dev.longtune.context.longrope.LongRope;
import dev.longtune.context.longrope.LongRopeOptions;
import dev.longtune.context.ntk.NtkScaling;
import dev.longtune.context.ntk.NtkScalingOptions;
import dev.longtune.context.slidingwindow.SlidingWindow;
import dev.longtune.context.slidingwindow.SlidingWindowOptions;
import dev.longtune.context.yarn.Yarn;
import dev.longtune.context.yarn.YarnOptions;
import dev.longtune.models.llama.LlamaArchitecture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The integration check on a real pretrained Llama: stories260K (context 512) extended x2 runs a 1024-token
 * input with every RoPE strategy; the perplexities are printed and compared (see the main test for what they show),
 * and the two attention strategies are checked on the real model too.
 *
 * <p>The text is the quickstart data's stories (distinct short stories, not one paragraph repeated, so the second
 * half cannot be predicted by copying the first). Perplexity is exp(mean token NLL) computed with
 * {@link TokenLoss#shiftedNll}; "late" is the same over the tokens at positions 512..1023 only, where the strategies
 * leave the pretrained range.
 */
class ExtendedStoriesTest {

    private static final int BASE = 512;
    private static final int LONG = 1024;

    private static NDManager root;
    /** The unextended model, shared by the tests (loading is the slow part on a busy 2-core machine). */
    private static LanguageModel plain;
    private static long[] ids;

    @BeforeAll
    static void setUp() throws Exception {
        root = NDManager.newBaseManager(Device.cpu());
        plain = load(null);
        ids = tokens(plain, 1100);
    }

    @AfterAll
    static void tearDown() {
        plain.close();
        root.close();
    }

    private static LanguageModel load(ContextExtension extension) throws IOException {
        ObjectNode config = (ObjectNode) new ObjectMapper().readTree(
                Fixtures.stories260K().resolve("config.json").toFile());
        return new LlamaArchitecture().load(new NoOptions(), new ModelLoadRequest(Fixtures.stories260K(), config,
                extension, DataType.FLOAT32, Device.cpu(), root));
    }

    /** The quickstart stories (eval, then train) joined with spaces, BOS first, at least {@code min} tokens. */
    private static long[] tokens(LanguageModel model, int min) throws IOException {
        ObjectMapper json = new ObjectMapper();
        StringBuilder text = new StringBuilder();
        Path data = Fixtures.projectRoot().resolve("examples/data");
        for (String file : List.of("quickstart-eval.jsonl", "quickstart-train.jsonl")) {
            for (String line : Files.readAllLines(data.resolve(file))) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode record = json.readTree(line);
                text.append(text.length() == 0 ? "" : " ").append(record.get("output").asText());
                if (model.tokenizer().encode(text.toString()).length >= min) {
                    int[] all = model.tokenizer().encodeWithBos(text.toString());
                    return Arrays.stream(all).asLongStream().toArray();
                }
            }
        }
        throw new IllegalStateException("quickstart data has fewer than " + min + " tokens");
    }

    /** exp(mean NLL) of the tokens the window predicts from position {@code from} on (labels before it ignored). */
    private static double perplexity(NDManager step, NDArray logits, long[] window, int from) {
        long[] labels = window.clone();
        Arrays.fill(labels, 0, from, TokenLoss.IGNORE);
        TokenLoss.Sum sum = TokenLoss.shiftedNll(logits, step.create(labels, new Shape(1, window.length)));
        return Math.exp(sum.sum().getFloat() / sum.tokens());
    }

    /** {ppl over the whole window, ppl over the tokens at positions >= 512 (NaN for a 512 window)}. */
    private static double[] perplexity(LanguageModel model, long[] window) {
        try (NDManager step = root.newSubManager()) {
            NDArray logits = model.forward(ForwardInput.of(step.create(window, new Shape(1, window.length))));
            assertFinite(logits, window.length);
            double late = window.length > BASE ? perplexity(step, logits, window, BASE) : Double.NaN;
            return new double[] {perplexity(step, logits, window, 0), late};
        }
    }

    private static void assertFinite(NDArray logits, int n) {
        assertEquals(new Shape(1, n, 512), logits.getShape());
        assertFalse(logits.isNaN().any().getBoolean(), "NaN logits");
        assertFalse(logits.isInfinite().any().getBoolean(), "infinite logits");
    }

    private static float[] logits(LanguageModel model, int n, boolean training) {
        try (NDManager step = root.newSubManager()) {
            NDArray input = step.create(Arrays.copyOf(ids, n), new Shape(1, n));
            NDArray logits = model.forward(training ? ForwardInput.training(input) : ForwardInput.of(input));
            assertFinite(logits, n);
            return logits.toFloatArray();
        }
    }

    private static double[] run(String label, ContextExtension extension) throws IOException {
        try (LanguageModel model = load(extension)) {
            assertEquals(LONG, model.config().maxPositionEmbeddings(), label + " declares 2x the context");
            return print(label, perplexity(model, Arrays.copyOf(ids, LONG)), LONG);
        }
    }

    private static double[] print(String label, double[] ppl, int n) {
        System.out.printf("stories260K %-34s ppl@%-4d = %7.3f   late (tokens at 512..1023) = %7.3f%n", label, n,
                ppl[0], ppl[1]);
        return ppl;
    }

    /**
     * The numbers, and what they show (measured on this fixture; the comments are the investigation):
     *
     * <ul>
     *   <li>Every RoPE strategy runs 1024 tokens with finite logits and declares 1024 positions.
     *   <li>The second half of the text is harder than the first: the unextended model scores it 4.47 in fresh
     *       512-token windows against 3.88 for the first 512 tokens. So ppl@1024 is compared with the baseline
     *       AND with this content control.
     *   <li>Plain extrapolation barely hurts stories260K: its late tokens score ~4.68 against the control's ~4.47.
     *       With head_dim 8 and base 1e4 only pairs 2 and 3 have wavelengths past 512 (628 and 6283 tokens), pair
     *       2 already covered 81% of its circle in pretraining, and TinyStories attention is story-local. The
     *       premise of the YaRN-vs-extrapolation claim (the YaRN paper's Llama 2, where extrapolation diverges)
     *       does not hold here, and the claim is false on this fixture: YaRN x2 scores ~4.60 against
     *       extrapolation's ~4.26. YaRN (and every interpolating strategy) costs something even inside 512 tokens
     *       without fine-tuning, because at d = 8 its ramp (beta_fast 32 to beta_slow 1 rotations) spans pairs 0.4
     *       to 1.9, i.e. it alters 3 of the 4 pairs, and its temperature 1.069 sharpens every attention row.
     *   <li>So the test asserts what holds and matters instead: YaRN, which keeps the high-frequency pairs, is far
     *       closer to the baseline than Position Interpolation without fine-tuning (~4.60 against ~9.38), and the
     *       premise check below fails loudly if extrapolation ever stops being benign here (a model change, another
     *       fixture), which is when the YaRN-vs-extrapolation claim becomes testable.
     * </ul>
     */
    @Test
    void everyRopeStrategyRunsTwiceThePretrainedContext() throws IOException {
        assertTrue(ids.length >= 1100, "need >= 1100 tokens, have " + ids.length);
        double base;
        double control;
        base = print("none, first 512 tokens", perplexity(plain, Arrays.copyOf(ids, BASE)), BASE)[0];
        long[] second = new long[BASE];
        second[0] = ids[0]; // BOS, then tokens 513..1023: the late tokens of the 1024 window, in-distribution
        System.arraycopy(ids, BASE + 1, second, 1, BASE - 1);
        control = print("none, tokens 513..1023 (control)", perplexity(plain, second), BASE)[0];
        double[] none = print("none (extrapolated)", perplexity(plain, Arrays.copyOf(ids, LONG)), LONG);
        double linear = run("linear x2", new LinearScaling(LinearScalingOptions.ofFactor(2)))[0];
        run("ntk x2", new NtkScaling(NtkScalingOptions.ofFactor(2)));
        run("dynamic x2", new DynamicNtk(DynamicNtkOptions.ofFactor(2)));
        double yarn = run("yarn x2", new Yarn(YarnOptions.ofFactor(2)))[0];
        run("llama3 x2 (low 1, high 4, L0 512)", new Llama3Scaling(new Llama3ScalingOptions(2.0, 1.0, 4.0, BASE)));
        run("longrope x2 (long [1, 1, 2, 2])", new LongRope(new LongRopeOptions(List.of(1.0, 1.0, 1.0, 1.0),
                List.of(1.0, 1.0, 2.0, 2.0), 2.0, null, null)));

        System.out.printf("stories260K |ppl@1024 - ppl@512|: none %.3f, yarn %.3f, linear %.3f%n",
                Math.abs(none[0] - base), Math.abs(yarn - base), Math.abs(linear - base));
        assertTrue(Math.abs(yarn - base) < 0.25 * Math.abs(linear - base), "YaRN keeps the high frequencies that "
                + "Position Interpolation compresses: yarn " + yarn + ", linear " + linear + ", base " + base);
        // Premise check (see above): extrapolation is benign on this fixture, so the YaRN-vs-extrapolation claim is
        // not asserted. If this fails, extrapolation broke down here and that claim should be asserted instead.
        assertTrue(none[1] < 1.15 * control, "extrapolation's late tokens (" + none[1] + ") are no longer within 15% "
                + "of the in-distribution control (" + control + "): assert YaRN beats extrapolation here");
    }

    /** At inference a LongLoRA model is a linearly scaled one: same logits as linear with the same factor. */
    @Test
    void longLoraAtInferenceIsLinearAndRunsShiftedSparseAttentionInTraining() throws IOException {
        float[] linear;
        try (LanguageModel m = load(new LinearScaling(LinearScalingOptions.ofFactor(2)))) {
            linear = logits(m, LONG, false);
        }
        try (LanguageModel m = load(new LongLora(LongLoraOptions.ofFactor(2)))) {
            assertArrayEquals(linear, logits(m, LONG, false), 0f);
            // Training: S²-Attn over 4 groups of 256 tokens; finite and not the full causal result.
            float[] training = logits(m, LONG, true);
            assertFalse(Arrays.equals(linear, training), "S²-Attn must change the training forward");
        }
    }

    /**
     * A window of 64: the first 64 positions see every earlier key either way, so their logits equal the plain
     * model's; later ones do not, and 1024 tokens run with finite logits.
     */
    @Test
    void slidingWindowMatchesFullAttentionInsideTheWindow() throws IOException {
        float[] full = logits(plain, LONG, false);
        try (LanguageModel m = load(new SlidingWindow(SlidingWindowOptions.ofWindow(64)))) {
            assertEquals(BASE, m.config().maxPositionEmbeddings(), "declares the pretrained length by default");
            float[] windowed = logits(m, LONG, false);
            int inside = 64 * 512;
            assertArrayEquals(Arrays.copyOf(full, inside), Arrays.copyOf(windowed, inside), 1e-5f);
            assertFalse(Arrays.equals(Arrays.copyOfRange(full, inside, full.length),
                    Arrays.copyOfRange(windowed, inside, windowed.length)));
        }
    }
}
