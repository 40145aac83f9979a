package dev.longtune.eval.perplexity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.longtune.api.DataRecord;
import dev.longtune.api.EvaluationJob;
import dev.longtune.api.EvaluationResult;
import dev.longtune.api.LongtuneException;
import dev.longtune.conformance.TestRunContext;
import dev.longtune.eval.perplexity.PerplexityOptions.Join;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The evaluator against models whose losses are known in closed form ({@link TableModel}). */
class PerplexityEvaluatorTest {

    private static final int VOCAB = 10;

    @TempDir
    Path out;

    /** A text record of whitespace-separated token ids. */
    private static DataRecord record(int line, int... ids) {
        String text = Arrays.stream(ids).mapToObj(String::valueOf).collect(Collectors.joining(" "));
        return new DataRecord("held-out.jsonl", line, JsonNodeFactory.instance.objectNode().put("text", text));
    }

    /** 19 ids after BOS, so the stream has N = 20 tokens. */
    private static final int[] NINETEEN = IntStream.range(0, 19).map(i -> 1 + (i * 7) % (VOCAB - 1)).toArray();

    /** logits[a][b] = ((3a + 5b) mod 7) / 2: a fixed, uneven bigram table. */
    private static TableModel bigram(int maxPositions) {
        float[][] table = new float[VOCAB][VOCAB];
        for (int a = 0; a < VOCAB; a++) {
            for (int b = 0; b < VOCAB; b++) {
                table[a][b] = ((3 * a + 5 * b) % 7) * 0.5f;
            }
        }
        return new TableModel(table, maxPositions);
    }

    private EvaluationResult run(TableModel model, PerplexityOptions options, List<DataRecord> records)
            throws Exception {
        try (TestRunContext context = new TestRunContext(out)) {
            return new PerplexityEvaluator(options).evaluate(new EvaluationJob(model, records, "before", context));
        }
    }

    private static int[] withBos(int[] ids) {
        int[] s = new int[ids.length + 1];
        s[0] = TableModel.BOS;
        System.arraycopy(ids, 0, s, 1, ids.length);
        return s;
    }

    /** A prompt/completion record of whitespace-separated token ids. */
    private static DataRecord promptCompletion(int line, int[] prompt, int[] completion) {
        String p = Arrays.stream(prompt).mapToObj(String::valueOf).collect(Collectors.joining(" "));
        String c = Arrays.stream(completion).mapToObj(String::valueOf).collect(Collectors.joining(" "));
        return new DataRecord("held-out.jsonl", line, JsonNodeFactory.instance.objectNode().put("prompt", p + " ")
                .put("completion", c));
    }

    @Test
    void completionScoringCountsOnlyCompletionTokensWhileFullCountsAll() throws Exception {
        int[] prompt = {1, 2, 3, 4, 5};
        int[] completion = {6, 7, 8};
        // Hand count: BOS + 5 prompt + 3 completion = 9 tokens; "completion" scores the 3 completion tokens (each
        // predicted from the previous one), "full" scores the 8 tokens after BOS.
        double expectedCompletion = 0;
        int[] stream = {TableModel.BOS, 1, 2, 3, 4, 5, 6, 7, 8};
        TableModel model = bigram(64);
        for (int t = 6; t < stream.length; t++) {
            expectedCompletion += model.nll(stream[t - 1], stream[t]);
        }
        EvaluationResult c = run(model, new PerplexityOptions(16, 16, 0, null, PerplexityOptions.Score.COMPLETION),
                List.of(promptCompletion(1, prompt, completion)));
        assertEquals(3.0, c.metrics().get("tokens"));
        assertEquals(expectedCompletion / 3, c.metrics().get("nll_per_token"), 1e-5);
        EvaluationResult f = run(model, new PerplexityOptions(16, 16, 0, null, PerplexityOptions.Score.FULL),
                List.of(promptCompletion(1, prompt, completion)));
        assertEquals(8.0, f.metrics().get("tokens"));
    }

    @Test
    void uniformLogitsGivePerplexityExactlyTheVocabularySize() throws Exception {
        for (int stride : new int[] {4, 8}) {
            EvaluationResult r = run(TableModel.uniform(VOCAB, 64), new PerplexityOptions(8, stride, 0, null, null),
                    List.of(record(1, NINETEEN)));
            assertEquals(VOCAB, r.metrics().get("perplexity"), 1e-4, "stride " + stride);
            assertEquals(Math.log(VOCAB), r.metrics().get("nll_per_token"), 1e-6, "stride " + stride);
        }
    }

    @Test
    void overlappingWindowsScoreEveryTokenButTheFirst() throws Exception {
        TableModel model = bigram(64);
        EvaluationResult r = run(model, new PerplexityOptions(8, 4, 0, null, null), List.of(record(1, NINETEEN)));
        int[] s = withBos(NINETEEN);
        // N = 20: windows [0,8) [4,12) [8,16) [12,20); scored 7 + 4 + 4 + 4 = 19 = N - 1.
        assertEquals(19.0, r.metrics().get("tokens"));
        assertEquals(4.0, r.metrics().get("windows"));
        double expected = 0;
        for (int j = 1; j < s.length; j++) {
            expected += model.nll(s[j - 1], s[j]);
        }
        assertEquals(expected / 19, r.metrics().get("nll_per_token"), 1e-5);
        assertEquals(Math.exp(expected / 19), r.metrics().get("perplexity"), 1e-4);
        assertEquals(List.of(8, 8, 8, 8), model.seenInputs.stream().map(a -> a.length).toList());
    }

    @Test
    void nonOverlappingWindowsLoseEachWindowsFirstToken() throws Exception {
        TableModel model = bigram(64);
        EvaluationResult r = run(model, new PerplexityOptions(8, 8, 0, null, null), List.of(record(1, NINETEEN)));
        int[] s = withBos(NINETEEN);
        // Windows [0,8) [8,16) [16,20): tokens 0, 8 and 16 have nothing before them in their window, so
        // N - windows = 20 - 3 = 17 are scored.
        assertEquals(17.0, r.metrics().get("tokens"));
        assertEquals(3.0, r.metrics().get("windows"));
        double expected = 0;
        for (int j = 1; j < s.length; j++) {
            if (j % 8 != 0) {
                expected += model.nll(s[j - 1], s[j]);
            }
        }
        assertEquals(expected / 17, r.metrics().get("nll_per_token"), 1e-5);
    }

    @Test
    void concatJoinsRecordsWithBosAndWindowsCrossThem() throws Exception {
        TableModel model = bigram(64);
        int[] a = {3, 4, 5};
        int[] b = {6, 7};
        EvaluationResult r = run(model, new PerplexityOptions(8, 4, 0, Join.CONCAT, null), List.of(record(1, a),
                record(2, b)));
        // One stream [BOS 3 4 5 BOS 6 7]: N = 7, one window; the record tokens are scored (5), the BOS separators
        // are not (they belong to no record's text).
        assertEquals(List.of(List.of(0L, 3L, 4L, 5L, 0L, 6L, 7L)), model.seenInputs.stream()
                .map(x -> Arrays.stream(x).boxed().toList()).toList());
        assertEquals(5.0, r.metrics().get("tokens"));
    }

    @Test
    void separateScoresEachRecordOnItsOwn() throws Exception {
        TableModel model = bigram(64);
        EvaluationResult r = run(model, new PerplexityOptions(8, 4, 0, Join.SEPARATE, null),
                List.of(record(1, NINETEEN), record(2, 6, 7), record(3)));
        // (20 - 1) + (3 - 1) tokens; 4 windows for the first record, 1 for the second, none for the empty third
        // (a bare BOS predicts nothing).
        assertEquals(21.0, r.metrics().get("tokens"));
        assertEquals(5.0, r.metrics().get("windows"));
        assertEquals(0L, model.seenInputs.get(4)[0], "the second record's window starts at its own BOS");
    }

    @Test
    void maxTokensCapsTheStream() throws Exception {
        EvaluationResult r = run(bigram(64), new PerplexityOptions(8, 4, 10, null, null), List.of(record(1, NINETEEN)));
        assertEquals(9.0, r.metrics().get("tokens"), "10 tokens kept, 9 of them predicted");
    }

    @Test
    void defaultsToTheModelsContextAndHalfOfItAsStride() throws Exception {
        TableModel model = bigram(8);
        EvaluationResult r = run(model, PerplexityOptions.defaults(), List.of(record(1, NINETEEN)));
        assertEquals(4.0, r.metrics().get("windows"), "max_length 8, stride 4, as in the overlapping case");
        assertTrue(model.seenInputs.stream().allMatch(x -> x.length <= 8));
    }

    @Test
    void writesTheReportAndAMetricsRow() throws Exception {
        try (TestRunContext context = new TestRunContext(out)) {
            EvaluationResult r = new PerplexityEvaluator(new PerplexityOptions(8, 4, 0, null, null)).evaluate(
                    new EvaluationJob(TableModel.uniform(VOCAB, 64), List.of(record(1, NINETEEN)), "after", context));
            assertEquals("perplexity", r.evaluator());
            assertEquals(List.of(Path.of("eval", "perplexity-after.json")), r.artifacts());
            Path file = out.resolve("eval/perplexity-after.json");
            assertTrue(Files.isRegularFile(file));
            JsonNode json = new ObjectMapper().readTree(file.toFile());
            assertEquals("after", json.get("phase").asText());
            assertEquals(VOCAB, json.get("perplexity").asDouble(), 1e-4);
            assertEquals(19, json.get("tokens").asInt());
            assertEquals(4, json.get("settings").get("stride").asInt());
            assertEquals("concat", json.get("settings").get("join").asText());

            List<Map<String, Object>> rows = context.rows("eval");
            assertEquals(1, rows.size());
            assertEquals("perplexity", rows.get(0).get("evaluator"));
            assertEquals("after", rows.get(0).get("phase"));
            assertEquals(r.metrics().get("perplexity"), rows.get(0).get("perplexity"));
        }
    }

    @Test
    void refusesToRunWithoutRecords() {
        LongtuneException e = assertThrows(LongtuneException.class,
                () -> run(bigram(8), PerplexityOptions.defaults(), List.of()));
        assertTrue(e.getMessage().contains("held-out"), e.getMessage());
        assertFalse(Files.exists(out.resolve("eval")));
    }
}
