package dev.longtune.eval.rouge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.longtune.api.DataRecord;
import dev.longtune.api.EvaluationJob;
import dev.longtune.api.EvaluationResult;
import dev.longtune.api.GenerationOptions;
import dev.longtune.api.GenerationSource;
import dev.longtune.conformance.TestRunContext;
import dev.longtune.eval.ScriptedModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The evaluator end to end on a scripted model whose answers are known, through {@link GenerationSource#direct}
 * and a real {@link TestRunContext}: the numbers are the hand-worked ones of {@link RougeMeasuresTest}.
 */
class RougeEvaluatorTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path out;

    private static DataRecord record(long line, String prompt, String completion) {
        return new DataRecord("eval.jsonl", line, JSON.createObjectNode().put("prompt", prompt)
                .put("completion", completion));
    }

    /** Q1: one word changed; Q2: no reference (skipped); Q3: two reference sentences, one answer line. */
    private static final List<DataRecord> RECORDS = List.of(
            record(1, "Q1: ", "The cat sat on the mat."),
            record(2, "Q2: ", ""),
            record(3, "Q3: ", "a b\na c"));

    private static final Map<String, String> ANSWERS = Map.of("Q1: ", "the cat lay on the mat", "Q3: ", "a b c");

    private EvaluationResult run(ScriptedModel model, RougeOptions options, TestRunContext context) throws Exception {
        GenerationSource source = GenerationSource.direct(model, context, GenerationOptions.greedy(64));
        return new RougeEvaluator(options).evaluate(new EvaluationJob(model, RECORDS, "after", context, source));
    }

    @Test
    void scoresEachAnsweredRecordAndReportsTheMean() throws Exception {
        ScriptedModel model = new ScriptedModel(4096, ANSWERS::get);
        try (TestRunContext context = new TestRunContext(out)) {
            EvaluationResult r = run(model, new RougeOptions(null, null, 200), context);
            Map<String, Double> m = r.metrics();
            // Q1: every measure 5/6, rouge2 3/5. Q3: rouge1/L/Lsum P 1, R 3/4, F 6/7; rouge2 P 1/2, R 1/3, F 0.4.
            assertEquals((5 / 6.0 + 6 / 7.0) / 2, m.get("rouge1"), 1e-12);
            assertEquals((5 / 6.0 + 1.0) / 2, m.get("rouge1_precision"), 1e-12);
            assertEquals((5 / 6.0 + 0.75) / 2, m.get("rouge1_recall"), 1e-12);
            assertEquals((0.6 + 0.4) / 2, m.get("rouge2"), 1e-12);
            assertEquals((0.6 + 0.5) / 2, m.get("rouge2_precision"), 1e-12);
            assertEquals((5 / 6.0 + 6 / 7.0) / 2, m.get("rougeL"), 1e-12);
            assertEquals((5 / 6.0 + 6 / 7.0) / 2, m.get("rougeLsum"), 1e-12);
            assertEquals(2.0, m.get("records"));
            assertEquals(1.0, m.get("skipped"));
            // Two records: every resample mean lies between the two F values.
            assertTrue(m.get("rouge2_low") >= 0.4 && m.get("rouge2_low") <= m.get("rouge2"));
            assertTrue(m.get("rouge2_high") <= 0.6 && m.get("rouge2_high") >= m.get("rouge2"));
            assertEquals(List.of(Path.of("eval", "rouge-after.csv")), r.artifacts());

            List<String> csv = Files.readAllLines(out.resolve("eval/rouge-after.csv"));
            assertEquals("record,rouge1,rouge1_precision,rouge1_recall,rouge2,rouge2_precision,rouge2_recall,"
                    + "rougeL,rougeL_precision,rougeL_recall,rougeLsum,rougeLsum_precision,rougeLsum_recall,"
                    + "prompt_truncated,reference,output", csv.get(0));
            assertEquals("eval.jsonl:1,0.8333,0.8333,0.8333,0.6000,0.6000,0.6000,0.8333,0.8333,0.8333,0.8333,0.8333,"
                    + "0.8333,false,The cat sat on the mat.,the cat lay on the mat", csv.get(1));
            // The multi-line reference is one quoted CSV field spanning two lines.
            assertEquals("eval.jsonl:3,0.8571,1.0000,0.7500,0.4000,0.5000,0.3333,0.8571,1.0000,0.7500,0.8571,1.0000,"
                    + "0.7500,false,\"a b", csv.get(2));
            assertEquals("a c\",a b c", csv.get(3));
            assertEquals(4, csv.size());

            Map<String, Object> row = context.rows("eval").get(0);
            assertEquals("rouge", row.get("evaluator"));
            assertEquals("after", row.get("phase"));
            assertEquals(m.get("rougeLsum"), row.get("rougeLsum"));
            assertFalse(row.containsKey("warning"));
        }
        // Only the two records with a reference were generated for, prompts as the data format gives them.
        assertEquals(List.of("Q1: ", "Q3: "), model.prompts);
    }

    @Test
    void maxRecordsCountsRecordsWithAReference() throws Exception {
        ScriptedModel model = new ScriptedModel(4096, ANSWERS::get);
        try (TestRunContext context = new TestRunContext(out)) {
            Map<String, Double> m = run(model, new RougeOptions(1, null, 0), context).metrics();
            assertEquals(5 / 6.0, m.get("rouge1"), 1e-12);
            assertEquals(1.0, m.get("records"));
            assertEquals(0.0, m.get("skipped"));
            assertFalse(m.containsKey("rouge1_low"), "bootstrap: 0 reports no interval");
        }
        assertEquals(List.of("Q1: "), model.prompts);
    }

    @Test
    void anEmptyAnswerScoresZero() throws Exception {
        try (TestRunContext context = new TestRunContext(out)) {
            Map<String, Double> m = run(new ScriptedModel(4096, p -> ""), new RougeOptions(null, null, 0), context)
                    .metrics();
            for (String k : List.of("rouge1", "rouge2", "rougeL", "rougeLsum")) {
                assertEquals(0.0, m.get(k), k);
            }
        }
    }

    @Test
    void withoutAnyReferenceItSaysSoInsteadOfScoring() throws Exception {
        ScriptedModel model = new ScriptedModel(4096, p -> "x");
        try (TestRunContext context = new TestRunContext(out)) {
            EvaluationResult r = new RougeEvaluator(RougeOptions.defaults()).evaluate(new EvaluationJob(model,
                    List.of(record(1, "Q: ", ""), record(2, "Q: ", " ")), "before", context));
            assertEquals(Map.of("records", 0.0, "skipped", 2.0), r.metrics());
            assertTrue(String.valueOf(context.rows("eval").get(0).get("warning")).contains("none of the 2"));
            assertEquals(1, Files.readAllLines(out.resolve("eval/rouge-before.csv")).size(), "header only");
        }
        assertTrue(model.prompts.isEmpty());
    }
}
