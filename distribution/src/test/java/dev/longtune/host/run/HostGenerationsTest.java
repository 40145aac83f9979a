package dev.longtune.host.run;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longtune.api.DataRecord;
import dev.longtune.api.EvaluationJob;
import dev.longtune.api.EvaluationResult;
import dev.longtune.api.Evaluator;
import dev.longtune.api.ForwardInput;
import dev.longtune.api.GeneratedText;
import dev.longtune.api.Generation;
import dev.longtune.api.GenerationOptions;
import dev.longtune.api.GenerationSource;
import dev.longtune.api.KvCache;
import dev.longtune.api.LanguageModel;
import dev.longtune.api.ModelConfig;
import dev.longtune.api.TextTokenizer;
import dev.longtune.api.config.GenerationConfig;
import dev.longtune.api.data.DataFiles;
import dev.longtune.host.config.ConfigLoader;
import dev.longtune.host.config.ExperimentValidator;
import dev.longtune.host.config.ResolvedExperiment;
import dev.longtune.host.plugins.PluginHost;
import dev.longtune.testing.ProjectPaths;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The host's shared generation pass on the real stories260K model: one pass per phase whoever asks (evaluators,
 * samples), a new pass when the phase (and so the model) changes, answers identical to a plain greedy
 * {@code model.generate}, and prompts longer than the context cut in the middle.
 */
class HostGenerationsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int NEW_TOKENS = 12;

    private static NDManager root;
    private static LanguageModel model;
    private static List<DataRecord> heldOut;

    @TempDir
    Path dir;

    @BeforeAll
    static void load() throws IOException {
        Path stories = ProjectPaths.examples().resolve("models/stories260K");
        var catalog = PluginHost.start(null, true);
        String yaml = "name: t\nmodel:\n  path: '" + stories.toAbsolutePath() + "'\n";
        ResolvedExperiment exp = new ExperimentValidator(catalog)
                .resolve(ConfigLoader.fromText(yaml, Path.of("t.yaml").toAbsolutePath(), List.of()));
        root = NDManager.newBaseManager(Device.cpu());
        model = ModelLoading.load(exp, DataType.FLOAT32, Device.cpu(), root);
        heldOut = DataFiles.read(ProjectPaths.examples().resolve("data/quickstart-eval.jsonl")).subList(0, 5);
    }

    @AfterAll
    static void close() {
        model.close();
        root.close();
    }

    private HostRunContext context(ByteArrayOutputStream console) {
        return new HostRunContext(dir, 42, Device.cpu(), "alpaca", new PrintStream(console, true,
                StandardCharsets.UTF_8));
    }

    private static GenerationConfig generationConfig(int samples) {
        return new GenerationConfig(null, samples, NEW_TOKENS, 0f, null, null);
    }

    @Test
    void evaluatorsAndSamplesOfOnePhaseShareOnePassAndANewPhaseGeneratesAgain() throws IOException {
        CountingModel counting = new CountingModel(model);
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        try (HostRunContext ctx = context(console)) {
            GenerationConfig g = generationConfig(3);
            HostGenerations eval = new HostGenerations(counting, ctx, HostGenerations.options(g, ctx.seed()), null,
                    "eval");
            // Two evaluators that score generations (as rouge and bleu do) and the samples, in one phase.
            Evaluator meanLength = job -> new EvaluationResult("len", Map.of("mean_chars", job.generations()
                    .generate(job.records()).stream().mapToInt(t -> t.output().length()).average().orElse(0)),
                    List.of());
            Evaluator reversed = job -> {
                List<DataRecord> rs = new ArrayList<>(job.records());
                java.util.Collections.reverse(rs);
                List<GeneratedText> ts = job.generations().generate(rs);
                for (int i = 0; i < rs.size(); i++) {
                    assertEquals(rs.get(i), ts.get(i).record(), "answers come back in the order asked");
                }
                return new EvaluationResult("rev", Map.of("n", (double) ts.size()), List.of());
            };
            meanLength.evaluate(new EvaluationJob(counting, heldOut, "eval", ctx, eval));
            reversed.evaluate(new EvaluationJob(counting, heldOut, "eval", ctx, eval));
            Samples samples = new Samples(g, counting, ctx, new PrintStream(console, true, StandardCharsets.UTF_8));
            samples.write("eval", heldOut, eval);

            assertEquals(5, counting.calls.get(), "each of the 5 records generated once");
            assertEquals(5, eval.generatedCount());
            List<JsonNode> rows = lines(dir.resolve("generations/eval.jsonl"));
            assertEquals(5, rows.size());
            assertEquals(heldOut.stream().map(DataRecord::where).toList(),
                    rows.stream().map(r -> r.get("where").asText()).toList());
            for (JsonNode r : rows) {
                for (String k : List.of("where", "prompt", "prompt_tokens", "prompt_truncated", "reference", "output",
                        "tokens", "tokens_per_s")) {
                    assertTrue(r.has(k), k + " in " + r);
                }
                assertFalse(r.get("prompt_truncated").asBoolean());
            }
            // samples: the first 3 held-out records, answered from the shared pass, in the report's row format
            assertEquals(3, samples.rows().size());
            for (int i = 0; i < 3; i++) {
                Map<String, Object> s = samples.rows().get(i);
                assertEquals(List.of("phase", "prompt", "generation", "reference", "tokens", "tokens_per_s"),
                        List.copyOf(s.keySet()));
                assertEquals(rows.get(i).get("output").asText(), s.get("generation"));
                assertEquals(rows.get(i).get("reference").asText(), s.get("reference"));
                assertTrue(((Number) s.get("tokens_per_s")).doubleValue() > 0);
            }
            assertEquals(3, lines(dir.resolve("samples.jsonl")).size());
            assertTrue(console.toString(StandardCharsets.UTF_8).contains("generate (eval)"), "progress is shown");

            // The model changes (as training changes it): the next phase's source generates again, and its answers
            // are those of the changed model, not cached ones.
            NDArray norm = model.parameters().get("model.norm.weight");
            float[] original = norm.toFloatArray();
            try {
                float[] flipped = original.clone();
                for (int i = 0; i < flipped.length; i++) {
                    flipped[i] = -flipped[i];
                }
                setInPlace(norm, flipped);
                HostGenerations after = new HostGenerations(counting, ctx, HostGenerations.options(g, ctx.seed()),
                        null, "after");
                List<GeneratedText> changed = after.generate(heldOut);
                assertEquals(10, counting.calls.get(), "a new phase generates every record again");
                assertEquals(5, lines(dir.resolve("generations/after.jsonl")).size());
                assertEquals(5, lines(dir.resolve("generations/eval.jsonl")).size(), "the earlier phase's file stays");
                List<String> before = rows.stream().map(r -> r.get("output").asText()).toList();
                assertNotEquals(before, changed.stream().map(GeneratedText::output).toList());
                assertEquals(directGreedy(heldOut.get(0), ctx), changed.get(0).output());
                after.generate(heldOut.subList(1, 3));
                assertEquals(10, counting.calls.get(), "asking again within the phase costs nothing");
            } finally {
                setInPlace(norm, original);
            }
        }
    }

    /** The answers are exactly a greedy {@code model.generate} on BOS + the formatted prompt, EOS stripped. */
    @Test
    void answersEqualADirectGreedyGenerate() throws IOException {
        try (HostRunContext ctx = context(new ByteArrayOutputStream())) {
            HostGenerations source = new HostGenerations(model, ctx, GenerationOptions.greedy(NEW_TOKENS), null,
                    "eval");
            List<GeneratedText> answers = source.generate(heldOut);
            List<GeneratedText> api = GenerationSource.direct(model, ctx, GenerationOptions.greedy(NEW_TOKENS))
                    .generate(heldOut);
            for (int i = 0; i < heldOut.size(); i++) {
                GeneratedText t = answers.get(i);
                assertEquals(directGreedy(heldOut.get(i), ctx), t.output());
                assertEquals(api.get(i), t, "the same as the API's uncached GenerationSource.direct");
                assertEquals(ctx.format(heldOut.get(i)).completion(), t.reference());
                assertEquals(model.tokenizer().encodeWithBos(t.prompt()).length, t.promptTokens());
                assertTrue(t.outputTokens() > 0 && t.outputTokens() <= NEW_TOKENS);
                assertFalse(t.output().isEmpty());
            }
        }
    }

    /** A prompt longer than context − max_new_tokens keeps its head and tail, and is flagged. */
    @Test
    void aPromptLongerThanTheContextIsCutInTheMiddleAndFlagged() throws IOException {
        ObjectNode fields = JSON.createObjectNode();
        fields.put("instruction", "Write a story. " + "The cat sat on the mat and looked at the sun. ".repeat(60)
                + "Tell me what the dog did.");
        fields.put("input", "");
        fields.put("output", "The dog ran.");
        DataRecord longOne = new DataRecord("long.jsonl", 1, fields);
        try (HostRunContext ctx = context(new ByteArrayOutputStream())) {
            int[] ids = model.tokenizer().encodeWithBos(ctx.format(longOne).prompt());
            int budget = model.contextLength() - NEW_TOKENS;
            assertEquals(512, model.contextLength());
            assertTrue(ids.length > model.contextLength(), "the prompt alone exceeds the context: " + ids.length);

            HostGenerations source = new HostGenerations(model, ctx, GenerationOptions.greedy(NEW_TOKENS), null,
                    "eval");
            GeneratedText t = source.generate(List.of(longOne)).get(0);
            assertTrue(t.promptTruncated());
            assertEquals(budget, t.promptTokens());
            // Worked by hand: the first 250 and the last 250 of the 500 tokens the budget allows.
            int[] kept = new int[budget];
            System.arraycopy(ids, 0, kept, 0, 250);
            System.arraycopy(ids, ids.length - 250, kept, 250, 250);
            assertEquals(model.tokenizer().bosId().getAsInt(), kept[0]);
            Generation g = model.generate(kept, GenerationOptions.greedy(NEW_TOKENS), LanguageModel.TokenListener.NONE);
            assertEquals(stripEos(g), t.output());
            JsonNode row = lines(dir.resolve("generations/eval.jsonl")).get(0);
            assertTrue(row.get("prompt_truncated").asBoolean());
            assertEquals(budget, row.get("prompt_tokens").asInt());
            assertEquals(ctx.format(longOne).prompt(), row.get("prompt").asText(), "the full prompt is kept");

            // data.max_prompt_length caps the prompt below the context too (the length training saw).
            HostGenerations capped = new HostGenerations(model, ctx, GenerationOptions.greedy(NEW_TOKENS), 100,
                    "capped");
            GeneratedText c = capped.generate(List.of(longOne, heldOut.get(0))).get(0);
            assertEquals(100, c.promptTokens());
            assertTrue(c.promptTruncated());
        }
    }

    private String directGreedy(DataRecord r, HostRunContext ctx) {
        int[] ids = model.tokenizer().encodeWithBos(ctx.format(r).prompt());
        return stripEos(model.generate(ids, GenerationOptions.greedy(NEW_TOKENS), LanguageModel.TokenListener.NONE));
    }

    private static String stripEos(Generation g) {
        int[] t = g.tokenIds();
        int n = t.length;
        if (n > 0 && t[n - 1] == model.tokenizer().eosId().getAsInt()) {
            n--;
        }
        return model.tokenizer().decode(Arrays.copyOf(t, n));
    }

    private static void setInPlace(NDArray param, float[] values) {
        try (NDManager m = root.newSubManager()) {
            param.set(new ai.djl.ndarray.index.NDIndex("..."), m.create(values, param.getShape()));
        }
    }

    private static List<JsonNode> lines(Path file) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (String l : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (!l.isBlank()) {
                out.add(JSON.readTree(l));
            }
        }
        return out;
    }

    /** The real model, counting calls to {@link #generate}: what a generation pass costs. */
    private static final class CountingModel implements LanguageModel {
        private final LanguageModel inner;
        final AtomicInteger calls = new AtomicInteger();

        CountingModel(LanguageModel inner) {
            this.inner = inner;
        }

        @Override
        public Generation generate(int[] promptIds, GenerationOptions options, TokenListener listener) {
            calls.incrementAndGet();
            return inner.generate(promptIds, options, listener);
        }

        @Override
        public String architecture() {
            return inner.architecture();
        }

        @Override
        public ModelConfig config() {
            return inner.config();
        }

        @Override
        public TextTokenizer tokenizer() {
            return inner.tokenizer();
        }

        @Override
        public Optional<dev.longtune.api.ContextExtension> contextExtension() {
            return inner.contextExtension();
        }

        @Override
        public int contextLength() {
            return inner.contextLength();
        }

        @Override
        public NDManager manager() {
            return inner.manager();
        }

        @Override
        public Map<String, NDArray> parameters() {
            return inner.parameters();
        }

        @Override
        public NDArray forward(ForwardInput input) {
            return inner.forward(input);
        }

        @Override
        public KvCache newCache(int batchSize, int capacity) {
            return inner.newCache(batchSize, capacity);
        }

        @Override
        public void save(Path directory) throws IOException {
            inner.save(directory);
        }

        @Override
        public void close() {
            // the shared model is closed once, after all tests
        }
    }
}
