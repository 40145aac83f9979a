package dev.longtune.eval.bylength;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.longtune.api.DataRecord;
import dev.longtune.api.EvaluationJob;
import dev.longtune.api.EvaluationResult;
import dev.longtune.api.LanguageModel;
import dev.longtune.api.LongtuneException;
import dev.longtune.conformance.TestRunContext;
import dev.longtune.eval.Stories;
import dev.longtune.eval.perplexity.PerplexityEvaluator;
import dev.longtune.eval.perplexity.PerplexityOptions;
import dev.longtune.eval.perplexity.PerplexityOptions.Score;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** {@code perplexity_by_length} on the real stories260K, against the {@code perplexity} evaluator run separately. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PerplexityByLengthOnStoriesTest {

    static final List<String> STORIES = List.of(
            "Once upon a time, there was a little girl named Lily. She loved to play outside in the sun. One day, "
                    + "she saw a big red ball in the park. She ran to the ball and kicked it very high.",
            "Tom had a small dog named Max. Max liked to run and jump. One day, Max found a stick in the garden. "
                    + "Tom threw the stick and Max ran to get it. They played all day and were very happy.",
            "There was a big tree in the forest. A little bird lived in the tree. The bird liked to sing every "
                    + "morning. One day, a boy came to the tree and listened to the bird. He smiled and said hello.",
            "Sue wanted to bake a cake for her mom. She got some flour, eggs and milk. She mixed them in a big bowl. "
                    + "Her mom came home and saw the cake. She hugged Sue and said thank you.",
            "Ben and Mia went to the beach. They built a big sand castle with a tall tower. A wave came and "
                    + "washed the tower away. Ben was sad, but Mia laughed and said they could build a new one.");

    static List<DataRecord> records() {
        List<DataRecord> records = new ArrayList<>();
        for (int i = 0; i < STORIES.size(); i++) {
            records.add(new DataRecord("stories.jsonl", i + 1,
                    JsonNodeFactory.instance.objectNode().put("text", STORIES.get(i))));
        }
        return records;
    }

    @TempDir
    Path out;

    /** One model and context for the class (loading is the slow part); its files go to a folder of its own. */
    private Path shared;
    private TestRunContext context;
    private LanguageModel model;

    @BeforeAll
    void load() throws Exception {
        shared = Files.createTempDirectory("ppl-by-length");
        context = new TestRunContext(shared);
        model = Stories.load(context.manager());
    }

    @AfterAll
    void close() throws Exception {
        model.close();
        context.close();
        try (var files = Files.walk(shared)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private EvaluationResult byLength(PerplexityByLengthOptions options, TestRunContext ctx) throws Exception {
        return new PerplexityByLengthEvaluator(options).evaluate(new EvaluationJob(model, records(), "after", ctx));
    }

    @Test
    void equalsThePerplexityEvaluatorAtEachLength() throws Exception {
        EvaluationResult sweep = byLength(new PerplexityByLengthOptions(List.of(64, 128, 256), null, null, Score.FULL,
                null), context);
        for (int length : List.of(64, 128, 256)) {
            EvaluationResult single = new PerplexityEvaluator(new PerplexityOptions(length, null, null, null,
                    Score.FULL)).evaluate(new EvaluationJob(model, records(), "at-" + length, context));
            assertEquals(single.metrics().get("perplexity"), sweep.metrics().get("perplexity@" + length),
                    "length " + length);
        }
        assertTrue(sweep.metrics().get("text_tokens") >= 256);
        assertEquals(0.0, sweep.metrics().get("lengths_skipped"));
    }

    @Test
    void aFixedStrideIsPassedThrough() throws Exception {
        EvaluationResult sweep = byLength(new PerplexityByLengthOptions(List.of(128), 32, null, null, null), context);
        EvaluationResult single = new PerplexityEvaluator(new PerplexityOptions(128, 32, null, null, null)).evaluate(
                new EvaluationJob(model, records(), "stride", context));
        assertEquals(single.metrics().get("perplexity"), sweep.metrics().get("perplexity@128"));
    }

    @Test
    void lengthsLongerThanTheTextAreReportedNotMeasured() throws Exception {
        try (TestRunContext ctx = new TestRunContext(out)) {
            EvaluationResult r = byLength(new PerplexityByLengthOptions(List.of(128, 4096), null, null, null, null),
                    ctx);
            int tokens = r.metrics().get("text_tokens").intValue();
            assertTrue(tokens < 4096);
            assertFalse(r.metrics().containsKey("perplexity@4096"), "no metric for a length the text never reached");
            assertTrue(r.metrics().containsKey("perplexity@128"));
            assertEquals(1.0, r.metrics().get("lengths_skipped"));

            List<String> table = Files.readAllLines(out.resolve("eval/perplexity_by_length-after.csv"));
            assertEquals("length,stride,perplexity,nll_per_token,tokens,windows,status", table.get(0));
            assertTrue(table.get(1).startsWith("128,64,") && table.get(1).endsWith(",ok"), table.get(1));
            assertEquals("4096,2048,,,,,skipped: the held-out text has only " + tokens + " tokens", table.get(2));
            Map<String, Object> row = ctx.rows("eval").get(0);
            assertEquals("perplexity_by_length", row.get("evaluator"));
            assertTrue(String.valueOf(row.get("warning")).contains("[4096]"), String.valueOf(row));

            assertEquals(List.of(Path.of("eval/perplexity_by_length-after.csv"),
                    Path.of("eval/perplexity_by_length-after.png")), r.artifacts());
            BufferedImage png = ImageIO.read(out.resolve("eval/perplexity_by_length-after.png").toFile());
            assertTrue(png.getWidth() > 100);
        }
    }

    @Test
    void failsWhenNoLengthFits() {
        LongtuneException e = assertThrows(LongtuneException.class, () -> byLength(
                new PerplexityByLengthOptions(List.of(2048, 4096), null, null, null, null), context));
        assertTrue(e.getMessage().contains("shorter than every length"), e.getMessage());
    }

    @Test
    void refusesToRunWithoutRecords() {
        assertThrows(LongtuneException.class, () -> new PerplexityByLengthEvaluator(
                PerplexityByLengthOptions.defaults()).evaluate(new EvaluationJob(model, List.of(), "x", context)));
    }
}
