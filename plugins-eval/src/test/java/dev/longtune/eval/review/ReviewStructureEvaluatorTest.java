package dev.longtune.eval.review;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longtune.api.DataRecord;
import dev.longtune.api.EvaluationJob;
import dev.longtune.api.EvaluationResult;
import dev.longtune.api.GeneratedText;
import dev.longtune.api.GenerationOptions;
import dev.longtune.api.GenerationSource;
import dev.longtune.api.LongtuneException;
import dev.longtune.conformance.TestRunContext;
import dev.longtune.eval.ScriptedModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The evaluator end to end: a scripted model answers each paper prompt with a review whose criteria are known by
 * hand, generations come through {@link GenerationSource#direct}, and the metrics, the CSV and the metrics row are
 * checked against the hand count.
 */
class ReviewStructureEvaluatorTest {

    private static final String INSTRUCTION = "You are a professional machine learning conference reviewer who reviews "
            + "a given paper and considers 4 criteria: importance and novelty, potential reasons for acceptance, "
            + "potential reasons for rejection, and suggestions for improvement. The given paper is as follows.";

    // Model answers. A: four headings (4/4). B: a story (0/4). C: "novel" + "authors should" (2/4).
    private static final String FOUR_HEADINGS = "Novelty:\nA new loss for long documents, not seen before.\n"
            + "Strengths:\nClear derivation and a small, honest experiment.\n"
            + "Weaknesses:\nOnly one dataset and no variance over seeds.\n"
            + "Suggestions:\nAdd a retrieval benchmark and a compute comparison.";
    private static final String STORY = "Once upon a time, Lily went to the park with a red ball. She was happy.";
    private static final String TWO = "The idea is novel. The authors should add a baseline.";

    // References. A: 4/4 by cues. B: 1/4 ("I liked"). C: 2/4 (Strengths, Weaknesses headings).
    private static final String REF_A = "The idea is rather incremental. The paper is well written, but I am not "
            + "convinced by the ablation. The authors should report a second dataset.";
    private static final String REF_B = "I liked it.";
    private static final String REF_C = "Strengths: clear writing and a careful ablation study.\n"
            + "Weaknesses: one dataset only, which is small.";

    @TempDir
    Path out;

    private static DataRecord paper(int line, String title, String review) {
        ObjectNode n = new ObjectMapper().createObjectNode().put("instruction", INSTRUCTION)
                .put("input", "Title: " + title + "\n\nAbstract: We study things.\n\nThe body of the paper.")
                .put("output", review);
        return new DataRecord("sft_alpaca.jsonl", line, n);
    }

    private static final List<DataRecord> PAPERS = List.of(paper(1, "Paper A", REF_A), paper(2, "Paper B", REF_B),
            paper(3, "Paper C", REF_C));

    private static ScriptedModel reviewer(int positions) {
        return new ScriptedModel(positions, prompt -> prompt.contains("Paper A") ? FOUR_HEADINGS
                : prompt.contains("Paper B") ? STORY : TWO);
    }

    @Test
    void scoresEachGeneratedReviewAndItsReference() throws Exception {
        ScriptedModel model = reviewer(4000);
        try (TestRunContext ctx = new TestRunContext(out, 42L, "alpaca")) {
            GenerationSource direct = GenerationSource.direct(model, ctx, GenerationOptions.greedy(400));
            EvaluationResult r = new ReviewStructureFactory().create(ReviewStructureOptions.defaults())
                    .evaluate(new EvaluationJob(model, PAPERS, "after", ctx, direct));

            Map<String, Double> m = r.metrics();
            assertEquals(3, model.prompts.size(), "one generation per record");
            assertEquals((1.0 + 0.0 + 0.5) / 3, m.get("coverage"), 1e-12);
            assertEquals(1.0 / 3, m.get("all_four"), 1e-12);
            assertEquals(2.0 / 3, m.get("novelty"), 1e-12);
            assertEquals(1.0 / 3, m.get("accept"), 1e-12);
            assertEquals(1.0 / 3, m.get("reject"), 1e-12);
            assertEquals(2.0 / 3, m.get("suggestions"), 1e-12);
            assertEquals((1.0 + 0.25 + 0.5) / 3, m.get("reference_coverage"), 1e-12);
            assertEquals(1.0 / 3, m.get("reference_all_four"), 1e-12);
            assertEquals(1.0 / 3, m.get("reference_novelty"), 1e-12);
            assertEquals(1.0, m.get("reference_accept"), 1e-12);
            assertEquals(2.0 / 3, m.get("reference_reject"), 1e-12);
            assertEquals(1.0 / 3, m.get("reference_suggestions"), 1e-12);
            assertEquals(3.0, m.get("records"));
            assertEquals(0.0, m.get("prompts_truncated"));

            Path csv = out.resolve("eval/review_structure-after.csv");
            assertEquals(List.of(Path.of("eval/review_structure-after.csv")), r.artifacts());
            List<String> lines = Files.readAllLines(csv);
            assertEquals("record,score,novelty,accept,reject,suggestions,reference_score,reference_novelty,"
                    + "reference_accept,reference_reject,reference_suggestions,evidence,reference_evidence,"
                    + "prompt_tokens,prompt_truncated,output_tokens,output", lines.get(0));
            String csvText = Files.readString(csv);
            assertTrue(csvText.contains("\nsft_alpaca.jsonl:1,1.0000,1,1,1,1,1.0000,1,1,1,1,"), csvText);
            assertTrue(csvText.contains("\nsft_alpaca.jsonl:2,0.0000,0,0,0,0,0.2500,0,1,0,0,,"
                    + "\"accept: cue \"\"I liked\"\"\","
                    + "538,false,71,"),
                    csvText);
            assertTrue(csvText.contains("\nsft_alpaca.jsonl:3,0.5000,1,0,0,1,0.5000,0,1,1,0,"
                    + "\"novelty: cue \"\"novel\"\"; suggestions: cue \"\"authors should\"\"\""), csvText);

            Map<String, Object> row = ctx.rows("eval").get(0);
            assertEquals("review_structure", row.get("evaluator"));
            assertEquals("after", row.get("phase"));
            assertEquals(0.5, (Double) row.get("coverage"), 1e-12);
        }
    }

    @Test
    void maxRecordsLimitsTheGenerationsAndTruncatedPromptsAreCounted() throws Exception {
        // 300 positions, 100 new tokens: prompts over 200 characters (all of them) are cut in the middle.
        ScriptedModel model = reviewer(300);
        try (TestRunContext ctx = new TestRunContext(out, 42L, "alpaca")) {
            GenerationSource direct = GenerationSource.direct(model, ctx, GenerationOptions.greedy(100));
            EvaluationResult r = new ReviewStructureFactory().create(new ReviewStructureOptions(2, 20))
                    .evaluate(new EvaluationJob(model, PAPERS, "before", ctx, direct));
            assertEquals(2, model.prompts.size());
            assertEquals(2.0, r.metrics().get("records"));
            assertEquals(2.0, r.metrics().get("prompts_truncated"));
            model.prompts.forEach(p -> assertTrue(p.length() <= 199, "BOS + 199 characters fit: " + p.length()));
            // The cut is in the middle (Alpaca's preamble), so the head and tail — the title — survive.
            assertTrue(model.prompts.get(0).startsWith("Below is an instruction"), model.prompts.get(0));
            assertTrue(model.prompts.get(0).endsWith("Title: Paper A\n\nAbstract: We study things.\n\n"
                    + "The body of the paper.\n\n### Response:\n"), model.prompts.get(0));
            // Paper A's answer is cut at 100 new tokens: "Novelty:\n" + 48 characters + "Strengths:\n" + 32
            // characters ("Clear derivation and a small, ho": 29 non-blank >= 20). Weaknesses and Suggestions are
            // lost, so 2/4. Paper B's story: 0/4. Mean 0.25.
            assertEquals(0.25, r.metrics().get("coverage"), 1e-12);
            assertEquals(0.5, r.metrics().get("novelty"), 1e-12);
            assertEquals(0.0, r.metrics().get("reject"), 1e-12);
            assertFalse(Files.readString(out.resolve("eval/review_structure-before.csv"))
                    .contains("sft_alpaca.jsonl:3"));
        }
    }

    @Test
    void withoutHeldOutRecordsItSaysWhatToSet() {
        ScriptedModel model = reviewer(4000);
        try (TestRunContext ctx = new TestRunContext(out)) {
            LongtuneException e = assertThrows(LongtuneException.class, () -> new ReviewStructureFactory()
                    .create(ReviewStructureOptions.defaults()).evaluate(new EvaluationJob(model, List.of(), "x", ctx)));
            assertTrue(e.getMessage().contains("data.eval"), e.getMessage());
        }
    }

    @Test
    void recordsWithoutAReferenceLeaveTheReferenceMetricsOut() throws Exception {
        ScriptedModel model = reviewer(4000);
        // A source as the host's cache hands it over, for a record with no completion (reference "").
        GenerationSource noReference = records -> records.stream()
                .map(rec -> new GeneratedText(rec, "Title: Paper A", null, FOUR_HEADINGS, 14, 238, false)).toList();
        try (TestRunContext ctx = new TestRunContext(out)) {
            EvaluationResult r = new ReviewStructureFactory().create(ReviewStructureOptions.defaults())
                    .evaluate(new EvaluationJob(model, PAPERS.subList(0, 1), "x", ctx, noReference));
            assertEquals(1.0, r.metrics().get("coverage"));
            assertEquals(1.0, r.metrics().get("all_four"));
            assertFalse(r.metrics().containsKey("reference_coverage"), r.metrics().toString());
            assertTrue(Files.readString(out.resolve("eval/review_structure-x.csv"))
                    .contains("\nsft_alpaca.jsonl:1,1.0000,1,1,1,1,,,,,,"));
        }
    }
}
