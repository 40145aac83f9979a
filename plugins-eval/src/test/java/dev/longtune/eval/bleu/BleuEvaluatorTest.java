package dev.longtune.eval.bleu;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
 * The evaluator end to end on a scripted model, through {@link GenerationSource#direct} and a real
 * {@link TestRunContext}. The two answered records sum to exactly the statistics of sacrebleu's
 * {@code test_bleu.py::test_scoring} (matches 9/7/5/3 of 10/8/6/4, equal lengths), whose published BLEU is
 * 0.8375922397; corpus BLEU is that, not the mean of the two sentence BLEUs.
 */
class BleuEvaluatorTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path out;

    private static DataRecord record(long line, String prompt, String completion) {
        return new DataRecord("eval.jsonl", line, JSON.createObjectNode().put("prompt", prompt)
                .put("completion", completion));
    }

    // Q1: 4 tokens, matches 3/2/1/0 of 4/3/2/1. Q3 (13a: "The dog bit the man ."): 6 tokens, all match, 6/5/4/3.
    private static final List<DataRecord> RECORDS = List.of(
            record(1, "Q1: ", "this is a test"),
            record(2, "Q2: ", ""),
            record(3, "Q3: ", "The dog bit the man."));

    private static final Map<String, String> ANSWERS = Map.of("Q1: ", "this is a fest", "Q3: ",
            "The dog bit the man.");

    @Test
    void corpusBleuFromSummedStatistics() throws Exception {
        ScriptedModel model = new ScriptedModel(4096, ANSWERS::get);
        try (TestRunContext context = new TestRunContext(out)) {
            GenerationSource source = GenerationSource.direct(model, context, GenerationOptions.greedy(64));
            EvaluationResult r = new BleuEvaluator(BleuOptions.defaults()).evaluate(new EvaluationJob(model, RECORDS,
                    "before", context, source));
            Map<String, Double> m = r.metrics();
            assertEquals(83.75922397, m.get("bleu"), 1e-8);
            assertEquals(90.0, m.get("precision_1"), 1e-12);
            assertEquals(87.5, m.get("precision_2"), 1e-12);
            assertEquals(500 / 6.0, m.get("precision_3"), 1e-12);
            assertEquals(75.0, m.get("precision_4"), 1e-12);
            assertEquals(1.0, m.get("bp"));
            assertEquals(10.0, m.get("sys_len"));
            assertEquals(10.0, m.get("ref_len"));
            assertEquals(2.0, m.get("records"));
            assertEquals(1.0, m.get("skipped"));
            assertEquals(List.of(Path.of("eval", "bleu-before.csv")), r.artifacts());

            List<String> csv = Files.readAllLines(out.resolve("eval/bleu-before.csv"));
            assertEquals(List.of(
                    "record,sentence_bleu,precision_1,precision_2,precision_3,precision_4,bp,hyp_len,ref_len,"
                            + "prompt_truncated,reference,output",
                    // sentence BLEU (exp smoothing, effective order): 100 * (3/4 * 2/3 * 1/2 * 1/2)^(1/4).
                    "eval.jsonl:1,59.4604,75.0000,66.6667,50.0000,50.0000,1.0000,4,4,false,this is a test,"
                            + "this is a fest",
                    "eval.jsonl:3,100.0000,100.0000,100.0000,100.0000,100.0000,1.0000,6,6,false,The dog bit the man.,"
                            + "The dog bit the man."), csv);

            Map<String, Object> row = context.rows("eval").get(0);
            assertEquals("bleu", row.get("evaluator"));
            assertEquals(m.get("bleu"), row.get("bleu"));
            assertEquals("nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp", row.get("signature"));
        }
        assertEquals(List.of("Q1: ", "Q3: "), model.prompts);
    }

    @Test
    void emptyAnswersScoreZeroWithZeroBrevityPenalty() throws Exception {
        try (TestRunContext context = new TestRunContext(out)) {
            Map<String, Double> m = new BleuEvaluator(new BleuOptions(null, null, null, Smoothing.FLOOR, 0.5))
                    .evaluate(new EvaluationJob(new ScriptedModel(4096, p -> ""), RECORDS, "after", context))
                    .metrics();
            assertEquals(0.0, m.get("bleu"));
            assertEquals(0.0, m.get("bp"));
            assertEquals(0.0, m.get("sys_len"));
            assertEquals(10.0, m.get("ref_len"));
            assertEquals("nrefs:1|case:mixed|eff:no|tok:13a|smooth:floor[0.50]",
                    context.rows("eval").get(0).get("signature"));
        }
    }

    @Test
    void withoutAnyReferenceItSaysSo() throws Exception {
        try (TestRunContext context = new TestRunContext(out)) {
            EvaluationResult r = new BleuEvaluator(BleuOptions.defaults()).evaluate(new EvaluationJob(
                    new ScriptedModel(4096, p -> "x"), List.of(), "after", context));
            assertEquals(Map.of("records", 0.0, "skipped", 0.0), r.metrics());
            assertTrue(String.valueOf(context.rows("eval").get(0).get("warning")).contains("no held-out records"));
        }
    }
}
