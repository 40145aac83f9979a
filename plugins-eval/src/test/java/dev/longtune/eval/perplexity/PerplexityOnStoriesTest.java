package dev.longtune.eval.perplexity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longtune.api.DataRecord;
import dev.longtune.api.EvaluationJob;
import dev.longtune.api.EvaluationResult;
import dev.longtune.api.LanguageModel;
import dev.longtune.api.ModelLoadRequest;
import dev.longtune.api.NoOptions;
import dev.longtune.conformance.Fixtures;
import dev.longtune.conformance.TestRunContext;
import dev.longtune.models.llama.LlamaArchitecture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Perplexity of the real pretrained stories260K (vocabulary 512) on TinyStories-style text. */
class PerplexityOnStoriesTest {

    private static final List<String> STORIES = List.of(
            "Once upon a time, there was a little girl named Lily. She loved to play outside in the sun. One day, "
                    + "she saw a big red ball in the park. She ran to the ball and kicked it very high.",
            "Tom had a small dog named Max. Max liked to run and jump. One day, Max found a stick in the garden. "
                    + "Tom threw the stick and Max ran to get it. They played all day and were very happy.",
            "There was a big tree in the forest. A little bird lived in the tree. The bird liked to sing every "
                    + "morning. One day, a boy came to the tree and listened to the bird. He smiled and said hello.",
            "Sue wanted to bake a cake for her mom. She got some flour, eggs and milk. She mixed them in a big bowl. "
                    + "Her mom came home and saw the cake. She hugged Sue and said thank you.");

    @TempDir
    Path out;

    private static List<DataRecord> records() {
        List<DataRecord> records = new ArrayList<>();
        for (int i = 0; i < STORIES.size(); i++) {
            records.add(new DataRecord("stories.jsonl", i + 1,
                    JsonNodeFactory.instance.objectNode().put("text", STORIES.get(i))));
        }
        return records;
    }

    private EvaluationResult evaluate(LanguageModel model, TestRunContext context, PerplexityOptions options,
            String phase) throws Exception {
        return new PerplexityEvaluator(options).evaluate(new EvaluationJob(model, records(), phase, context));
    }

    @Test
    void realModelScoresRealTextFarBelowTheVocabularySize() throws Exception {
        Path dir = Fixtures.stories260K();
        ObjectNode config = (ObjectNode) new ObjectMapper().readTree(dir.resolve("config.json").toFile());
        try (TestRunContext context = new TestRunContext(out);
                LanguageModel model = new LlamaArchitecture().load(new NoOptions(), new ModelLoadRequest(dir, config,
                        null, DataType.FLOAT32, Device.cpu(), context.manager()))) {
            EvaluationResult tiled = evaluate(model, context, new PerplexityOptions(32, 32, null, null, null), "tiled");
            EvaluationResult strided = evaluate(model, context, new PerplexityOptions(32, 16, null, null, null), "strided");
            EvaluationResult whole = evaluate(model, context, PerplexityOptions.defaults(), "whole");

            double ppl = strided.metrics().get("perplexity");
            assertTrue(Double.isFinite(ppl) && ppl > 1, "perplexity " + ppl);
            assertTrue(ppl < 512 / 8.0, "perplexity " + ppl + " is not far below the vocabulary size 512");
            assertTrue(strided.metrics().get("perplexity") <= tiled.metrics().get("perplexity"),
                    "more context must not hurt: strided " + strided.metrics() + " vs tiled " + tiled.metrics());

            // Same token stream of N tokens in all three: overlapping windows score N - 1, tiled ones N - windows.
            double n = strided.metrics().get("tokens") + 1;
            assertEquals(n - tiled.metrics().get("windows"), tiled.metrics().get("tokens"));
            assertTrue(n < 512, "the whole stream fits the model's 512 positions");
            assertEquals(1.0, whole.metrics().get("windows"));
            assertEquals(n - 1, whole.metrics().get("tokens"));

            assertTrue(Files.isRegularFile(out.resolve("eval/perplexity-strided.json")));
            assertEquals(3, context.rows("eval").size());
        }
    }

    /**
     * Each window's arrays live in a sub-manager closed after the window, so a second identical evaluation leaves
     * no more arrays behind than the first (the first may warm the model's own caches, such as its masks).
     */
    @Test
    void windowsLeaveNoArraysBehind() throws Exception {
        Path dir = Fixtures.stories260K();
        ObjectNode config = (ObjectNode) new ObjectMapper().readTree(dir.resolve("config.json").toFile());
        try (TestRunContext context = new TestRunContext(out);
                LanguageModel model = new LlamaArchitecture().load(new NoOptions(), new ModelLoadRequest(dir, config,
                        null, DataType.FLOAT32, Device.cpu(), context.manager()))) {
            PerplexityOptions options = new PerplexityOptions(32, 16, 96, null, null);
            evaluate(model, context, options, "warm-up");
            int before = ((BaseNDManager) context.manager()).getManagedArrays().size();
            evaluate(model, context, options, "again");
            assertEquals(before, ((BaseNDManager) context.manager()).getManagedArrays().size());
        }
    }
}
