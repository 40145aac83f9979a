package dev.longtune.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.longtune.api.DataRecord;
import dev.longtune.api.EvaluationJob;
import dev.longtune.api.EvaluationResult;
import dev.longtune.api.Generation;
import dev.longtune.api.GenerationOptions;
import dev.longtune.api.GenerationSource;
import dev.longtune.api.LanguageModel;
import dev.longtune.api.config.OptionsBinder;
import dev.longtune.cli.Main;
import dev.longtune.conformance.TestRunContext;
import dev.longtune.eval.judge.JudgeFactory;
import dev.longtune.eval.judge.JudgeOptions;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code judge} evaluator against {@code longtune serve}'s own {@link OpenAiServer} on loopback (issue 6): real
 * HTTP, the evaluator's own client, the server's real chat-template rendering. What stands in for GPT-4 is the model
 * behind the server: a scripted {@link ScriptedJudge}, or the real stories260K. The position swap is exercised for
 * real: a judge that always answers "[[A]]" yields only ties, one that prefers a marked answer yields only wins (or
 * only losses) for it, and a real model's unparseable verdicts are errors, never wins.
 *
 * <p>Most cases run the whole host path in process, {@code longtune eval CONFIG}, with the config's judge
 * {@code base_url} pointing at the server and the candidate the real stories260K (generated greedily by the host's
 * generation pass). The marker case needs answers whose content the test decides, so it creates the evaluator
 * through {@link JudgeFactory} with options bound from YAML by the host's {@link OptionsBinder}, and a candidate
 * double.
 */
class JudgeAgainstServeTest {

    private static final String MARKER = "MARKER";

    /** Short held-out prompts and references: with the pair-v2 prompt they must fit stories260K's 512 positions. */
    private static final List<String[]> RECORDS = List.of(
            new String[] {"Lily saw a dog.", "The dog was happy."},
            new String[] {"Tom had a red ball.", "He threw it far."},
            new String[] {"The sun was hot.", "They went to swim."});

    @TempDir
    static Path dir;

    static Path modelDir;
    static Path evalData;
    static NDManager root;
    static LanguageModel real;
    /** stories260K again, as the judge: its template has no system turn (see {@link #WITHOUT_SYSTEM_TURN}). */
    static LanguageModel realJudge;

    /**
     * ChatCompletionsTest's template without the system turn, as some chat models' templates have none (Gemma's,
     * for one). Needed for stories260K to judge at all: with pair-v2's system prompt the rendered prompt is 764 of
     * its tokens, past its 512 positions (the server refuses it with context_length_exceeded); without, it is 167–171 tokens here.
     */
    static final String WITHOUT_SYSTEM_TURN = "{{ bos_token }}{% for m in messages %}{% if m['role'] != 'system' %}"
            + "[{{ m['role'] }}] {{ m['content'] }}\n{% endif %}{% endfor %}{% if add_generation_prompt %}"
            + "[assistant]:{% endif %}";

    @BeforeAll
    static void start() throws Exception {
        // Copies of stories260K with a chat template, as ChatCompletionsTest makes: the server renders chats with it.
        modelDir = withTemplate("stories-chat", ChatCompletionsTest.TEMPLATE);
        root = RealModels.cpuManager();
        real = RealModels.load(modelDir, root);
        realJudge = RealModels.load(withTemplate("stories-judge", WITHOUT_SYSTEM_TURN), root);

        evalData = dir.resolve("eval.jsonl");
        StringBuilder lines = new StringBuilder();
        for (String[] r : RECORDS) {
            lines.append(Http.JSON.writeValueAsString(Map.of("prompt", r[0], "completion", r[1]))).append('\n');
        }
        Files.writeString(evalData, lines);
    }

    private static Path withTemplate(String name, String template) throws IOException {
        Path copy = dir.resolve(name);
        Files.createDirectories(copy);
        try (Stream<Path> files = Files.list(RealModels.stories260K())) {
            for (Path f : files.toList()) {
                Files.copy(f, copy.resolve(f.getFileName()));
            }
        }
        ObjectNode tc = (ObjectNode) Http.JSON.readTree(copy.resolve("tokenizer_config.json").toFile());
        tc.put("chat_template", template);
        Http.JSON.writeValue(copy.resolve("tokenizer_config.json").toFile(), tc);
        return copy;
    }

    @AfterAll
    static void stop() {
        if (realJudge != null) {
            realJudge.close();
        }
        if (real != null) {
            real.close();
        }
        if (root != null) {
            root.close();
        }
    }

    // ---- case 1 + 4: "[[A]]" always, through longtune eval; then the same evaluation again from the cache ----

    @Test
    void aJudgeThatAlwaysAnswersAGivesOnlyTiesAndIsAskedBothOrders() throws Exception {
        ScriptedJudge judge = new ScriptedJudge(real, ScriptedJudge.alwaysA());
        Path cache = dir.resolve("always-a-cache.jsonl");
        try (OpenAiServer server = OpenAiServer.start(judge, "gpt-4", "127.0.0.1", 0)) {
            Path out = longtuneEval("always-a", server, "gpt-4", cache);
            Map<String, Double> m = judgeMetrics(out);
            assertEquals(3.0, m.get("items"), m.toString());
            assertEquals(3.0, m.get("ties"), m.toString());
            assertEquals(0.0, m.get("wins"), m.toString());
            assertEquals(0.0, m.get("losses"), m.toString());
            assertEquals(0.0, m.get("errors"), m.toString());
            assertEquals(0.0, m.get("win_rate"));
            assertEquals(0.5, m.get("win_rate_adjusted"), "each tie is half a win");
            assertEquals(6.0, m.get("requests_made"));

            // Server side: six prompts reached the model, each item's two with the answers swapped.
            assertEquals(6, judge.prompts.size());
            List<JsonNode> judged = judgments(out);
            assertEquals(3, judged.size());
            assertBothOrdersAsked(judged, judge.prompts);
            for (JsonNode j : judged) {
                assertEquals("A", j.at("/g1/verdict").asText());
                assertEquals("model", j.at("/g1/winner").asText());
                assertEquals("A", j.at("/g2/verdict").asText());
                assertEquals("reference", j.at("/g2/winner").asText());
                assertEquals("tie", j.get("outcome").asText());
            }

            // Case 4: the same evaluation again (a new eval folder, the same answer cache): nothing reaches the
            // server, and the result is the same. The candidate's answers are generated again, greedily, so the
            // requests are byte for byte those of the first run.
            Path again = longtuneEval("always-a-again", server, "gpt-4", cache);
            assertEquals(6, judge.prompts.size(), "no request reached the server");
            Map<String, Double> m2 = judgeMetrics(again);
            assertEquals(0.0, m2.get("requests_made"));
            assertEquals(6.0, m2.get("cache_hits"));
            assertEquals(3.0, m2.get("ties"));
            assertEquals(Files.readAllLines(out.resolve("eval/judge-eval-judgments.jsonl")),
                    Files.readAllLines(again.resolve("eval/judge-eval-judgments.jsonl")));
        }
    }

    // ---- case 3: the real stories260K as the judge ----

    @Test
    void aRealModelsUnparseableVerdictsAreErrorsNotWins() throws Exception {
        List<String> asked = new CopyOnWriteArrayList<>();
        List<String> said = new CopyOnWriteArrayList<>();
        LanguageModel storiesJudge = new DelegatingModel(realJudge) {
            @Override
            public Generation generate(int[] promptIds, GenerationOptions options, TokenListener listener) {
                asked.add(tokenizer().decode(promptIds));
                Generation g = super.generate(promptIds, options, listener);
                said.add(g.text());
                return g;
            }
        };
        try (OpenAiServer server = OpenAiServer.start(storiesJudge, "stories-judge", "127.0.0.1", 0)) {
            Path out = longtuneEval("stories-judge", server, "stories-judge", dir.resolve("stories-cache.jsonl"));
            Map<String, Double> m = judgeMetrics(out);
            assertEquals(3.0, m.get("items"), m.toString());
            assertEquals(3.0, m.get("errors"), m.toString());
            assertEquals(0.0, m.get("wins"), m.toString());
            assertEquals(0.0, m.get("losses"), m.toString());
            assertEquals(0.0, m.get("ties"), m.toString());
            assertFalse(m.containsKey("win_rate"), "0/0 is no rate: " + m);
            assertEquals(6.0, m.get("requests_made"));
            assertEquals(6, said.size(), "the model judged both orders of each item");

            List<JsonNode> judged = judgments(out);
            assertBothOrdersAsked(judged, asked);
            List<String> judgments = new ArrayList<>();
            for (JsonNode j : judged) {
                assertEquals("error", j.at("/g1/verdict").asText());
                assertEquals("error", j.at("/g2/verdict").asText());
                assertEquals("error", j.get("outcome").asText());
                judgments.add(j.at("/g1/judgment").asText());
                judgments.add(j.at("/g2/judgment").asText());
            }
            // The judgments recorded are the model's own words, carried unchanged through the server and client.
            assertEquals(said.stream().sorted().toList(), judgments.stream().sorted().toList());
            assertTrue(judgments.stream().allMatch(s -> !s.isBlank()), judgments.toString());
        }
    }

    // ---- case 2: a judge that prefers the marked answer, through the factory with a candidate double ----

    @Test
    void aJudgeThatPrefersTheMarkedAnswerGivesOnlyWinsOrOnlyLosses() throws Exception {
        ScriptedJudge judge = new ScriptedJudge(real, ScriptedJudge.prefers(MARKER));
        try (OpenAiServer server = OpenAiServer.start(judge, "gpt-4", "127.0.0.1", 0)) {
            String yaml = "base_url: " + server.baseUrl() + "\nmodel: gpt-4\nmax_tokens: 32\nconcurrency: 2\n";

            EvaluationResult marked = evaluate(dir.resolve("candidate-marked"), yaml, true, false);
            Map<String, Double> m = marked.metrics();
            assertEquals(3.0, m.get("wins"), m.toString());
            assertEquals(0.0, m.get("losses") + m.get("ties") + m.get("errors"), m.toString());
            assertEquals(1.0, m.get("win_rate"));
            assertEquals(6, judge.prompts.size());
            for (JsonNode j : judgments(dir.resolve("candidate-marked"), "after")) {
                // Game 1 shows the candidate as A, game 2 as B: the judge followed the marker across the swap.
                assertEquals("A", j.at("/g1/verdict").asText());
                assertEquals("B", j.at("/g2/verdict").asText());
                assertEquals("win", j.get("outcome").asText());
            }

            EvaluationResult referenceMarked = evaluate(dir.resolve("reference-marked"), yaml, false, true);
            m = referenceMarked.metrics();
            assertEquals(3.0, m.get("losses"), m.toString());
            assertEquals(0.0, m.get("wins") + m.get("ties") + m.get("errors"), m.toString());
            assertEquals(1.0, m.get("loss_rate"));
            assertEquals(12, judge.prompts.size());
            List<JsonNode> judged = judgments(dir.resolve("reference-marked"), "after");
            for (JsonNode j : judged) {
                assertEquals("B", j.at("/g1/verdict").asText());
                assertEquals("A", j.at("/g2/verdict").asText());
            }
            assertBothOrdersAsked(judged, judge.prompts.subList(6, 12));
        }
    }

    // ---- helpers ----

    /**
     * Every judged item was asked exactly twice on the server: once with the candidate's answer as A and the
     * reference as B, once swapped, with the item's own question.
     */
    private static void assertBothOrdersAsked(List<JsonNode> judged, List<String> serverPrompts) {
        List<JudgePrompt> asked = serverPrompts.stream().map(JudgePrompt::parse).toList();
        for (JsonNode j : judged) {
            String question = j.get("question").asText().strip();
            String candidate = j.get("candidate_answer").asText().strip();
            String reference = j.get("opponent_answer").asText().strip();
            assertFalse(candidate.equals(reference), "the swap is only visible when the answers differ: " + j);
            JudgePrompt g1 = new JudgePrompt(question, candidate, reference);
            JudgePrompt g2 = new JudgePrompt(question, reference, candidate);
            assertEquals(1, asked.stream().filter(g1::equals).count(), "game 1 of " + j + " in " + asked);
            assertEquals(1, asked.stream().filter(g2::equals).count(), "game 2 of " + j + " in " + asked);
        }
    }

    /**
     * {@code longtune eval} in process on a config of the real stories260K (the candidate), the held-out records above
     * and a judge at the server; returns the eval folder.
     */
    private static Path longtuneEval(String name, OpenAiServer server, String judgeModel, Path cache)
            throws IOException {
        Path config = dir.resolve(name + ".yaml");
        Files.writeString(config, "name: " + name + "\n"
                + "output: " + quoted(dir.resolve("runs")) + "\n"
                + "seed: 42\n"
                + "device: cpu\n"
                + "model:\n  path: " + quoted(modelDir) + "\n"
                + "data:\n  eval: " + quoted(evalData) + "\n  format: prompt_completion\n  max_length: 128\n"
                + "evaluation:\n"
                + "  - type: judge\n"
                + "    base_url: " + server.baseUrl() + "\n"
                + "    model: " + judgeModel + "\n"
                + "    max_tokens: 16\n"
                + "    concurrency: 2\n"
                + "    cache: " + quoted(cache) + "\n"
                + "generation:\n  max_new_tokens: 8\n  temperature: 0\n");
        Path out = dir.resolve("out-" + name);
        PrintStream stdout = System.out;
        PrintStream stderr = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        int code;
        try (PrintStream both = new PrintStream(captured, true, StandardCharsets.UTF_8)) {
            System.setOut(both);
            System.setErr(both);
            code = Main.execute("eval", config.toString(), "--output", out.toString());
        } finally {
            System.setOut(stdout);
            System.setErr(stderr);
        }
        assertEquals(0, code, captured.toString(StandardCharsets.UTF_8));
        return out;
    }

    private static String quoted(Path p) {
        return "'" + p.toAbsolutePath().toString().replace("'", "''") + "'";
    }

    /** The judge's row in {@code results.json}. */
    private static Map<String, Double> judgeMetrics(Path out) throws IOException {
        JsonNode m = Http.JSON.readTree(out.resolve("results.json").toFile()).at("/metrics/judge~1eval");
        assertTrue(m.isObject(), "no judge/eval metrics in " + out.resolve("results.json"));
        Map<String, Double> metrics = new java.util.LinkedHashMap<>();
        m.fields().forEachRemaining(e -> metrics.put(e.getKey(), e.getValue().asDouble()));
        return metrics;
    }

    private static List<JsonNode> judgments(Path out) throws IOException {
        return judgments(out, "eval");
    }

    private static List<JsonNode> judgments(Path out, String phase) throws IOException {
        List<JsonNode> lines = new ArrayList<>();
        for (String line : Files.readAllLines(out.resolve("eval/judge-" + phase + "-judgments.jsonl"))) {
            lines.add(Http.JSON.readTree(line));
        }
        return lines;
    }

    /**
     * The judge created as the host creates it (options bound from YAML, the factory) and run on the records above,
     * the candidate a double over the real stories260K tokenizer that answers each prompt with a fixed sentence.
     */
    private static EvaluationResult evaluate(Path out, String yaml, boolean markCandidate, boolean markReference)
            throws IOException {
        JudgeOptions options = OptionsBinder.bind((ObjectNode) new YAMLMapper().readTree(yaml), JudgeOptions.class,
                "evaluator 'judge'", "evaluation[0]", OptionsBinder.NO_LINES);
        LanguageModel candidate = new DelegatingModel(real) {
            @Override
            public Generation generate(int[] promptIds, GenerationOptions o, TokenListener listener) {
                String prompt = tokenizer().decode(promptIds);
                int[] ids = tokenizer().encode("An answer to " + prompt.strip() + (markCandidate ? " " + MARKER : ""));
                return new Generation(ids, tokenizer().decode(ids), promptIds.length, 1);
            }
        };
        List<DataRecord> records = new ArrayList<>();
        for (int i = 0; i < RECORDS.size(); i++) {
            ObjectNode fields = Http.JSON.createObjectNode().put("prompt", RECORDS.get(i)[0])
                    .put("completion", RECORDS.get(i)[1] + (markReference ? " " + MARKER : ""));
            records.add(new DataRecord("eval.jsonl", i + 1, fields));
        }
        try (TestRunContext context = new TestRunContext(out, 42, "prompt_completion")) {
            return new JudgeFactory().create(options).evaluate(new EvaluationJob(candidate, records, "after",
                    context, GenerationSource.direct(candidate, context, GenerationOptions.greedy(64))));
        }
    }
}
