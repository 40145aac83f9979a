package dev.longtune.training.stories;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.longtune.api.DataRecord;
import dev.longtune.api.LanguageModel;
import dev.longtune.api.LongtuneException;
import dev.longtune.api.PromptCompletion;
import dev.longtune.api.TextTokenizer;
import dev.longtune.api.TrainingJob;
import dev.longtune.api.TrainingOutcome;
import dev.longtune.api.config.DataConfig;
import dev.longtune.api.config.TrainingConfig;
import dev.longtune.conformance.TestRunContext;
import dev.longtune.training.data.SftEncoder;
import dev.longtune.training.data.SftExample;
import dev.longtune.training.sft.SftMethod;
import dev.longtune.training.sft.SftOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The paper→review case on the real stories260K tokenizer and model: "papers" (a long story, several hundred tokens)
 * with a short "review" (a one-line story), {@code max_length} 128. Without {@code data.max_prompt_length} every
 * record is skipped (the paper fills the window, nothing of the review is left); with it set to 96 every record is
 * trained on with its whole review.
 */
class LongPromptSftTest {

    @TempDir
    Path out;

    private static TrainingConfig config() throws Exception {
        return dev.longtune.api.config.OptionsBinder.MAPPER.readValue("{\"max_steps\": 2, \"batch_size\": 2, "
                + "\"learning_rate\": 1e-3, \"lr_scheduler\": \"constant\", \"log_every\": 1}", TrainingConfig.class);
    }

    private static List<DataRecord> papers() {
        List<DataRecord> stories = Stories.quickstart("train", 200);
        List<DataRecord> out = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            StringBuilder paper = new StringBuilder("Review this story.\n\n");
            for (int k = 0; k < 6; k++) {
                paper.append(stories.get(i * 6 + k).text("output")).append(' ');
            }
            paper.append("\n\nReview:");
            out.add(new DataRecord("papers.jsonl", i + 1, JsonNodeFactory.instance.objectNode()
                    .put("prompt", paper.toString()).put("completion", " A good story about a cat.")));
        }
        return out;
    }

    @Test
    void longPromptsSkippedBeforeAreTrainedOnWithTheirWholeCompletion() throws Exception {
        List<DataRecord> records = papers();
        DataConfig plain = new DataConfig(null, null, null, "prompt_completion", 128, null, null, null, null);
        DataConfig capped = new DataConfig(null, null, null, "prompt_completion", 128, null, null, null, 96);
        try (TestRunContext ctx = new TestRunContext(out.resolve("plain"), 1L, "prompt_completion");
                LanguageModel model = Stories.load(ctx.manager())) {
            TextTokenizer tok = model.tokenizer();
            int completion = tok.encode(" A good story about a cat.").length;
            for (DataRecord r : records) {
                PromptCompletion pc = ctx.format(r);
                assertTrue(tok.encode(pc.prompt()).length > 300, "a long paper");
                // Before: skipped. After: the capped prompt (96) + the whole completion + EOS, all of it labelled.
                assertTrue(new SftEncoder(tok, plain).encode(pc, r).isEmpty());
                SftExample ex = new SftEncoder(tok, capped).encode(pc, r).orElseThrow();
                assertEquals(96 + completion + 1, ex.ids().length);
                assertEquals(completion + 1, ex.lossTokens());
                int[] head = Arrays.copyOf(tok.encode(pc.prompt()), 47);
                assertArrayEquals(head, Arrays.copyOfRange(ex.ids(), 1, 48), "the instruction (head) is kept");
                int[] all = tok.encode(pc.prompt());
                assertArrayEquals(Arrays.copyOfRange(all, all.length - 48, all.length),
                        Arrays.copyOfRange(ex.ids(), 48, 96), "the 'Review:' marker (tail) is kept");
            }
            LongtuneException e = assertThrows(LongtuneException.class, () -> new SftMethod(SftOptions.defaults())
                    .train(new TrainingJob(model, records, List.of(), plain, config(), ctx)));
            assertTrue(e.getMessage().contains("data.max_prompt_length"), e.getMessage());
        }
        try (TestRunContext ctx = new TestRunContext(out.resolve("capped"), 1L, "prompt_completion");
                LanguageModel model = Stories.load(ctx.manager())) {
            TrainingOutcome o = new SftMethod(SftOptions.defaults())
                    .train(new TrainingJob(model, records, List.of(), capped, config(), ctx));
            Map<String, Object> data = ctx.rows("data").get(0);
            System.out.println("long-prompt sft data row: " + data + ", final loss " + o.finalLoss());
            assertEquals(4L, data.get("train_examples"));
            assertEquals(0L, data.get("train_skipped"));
            assertEquals(4L, data.get("train_truncated"));
            assertEquals(96L, data.get("max_prompt_length"));
            assertEquals(2, o.steps());
            assertTrue(Double.isFinite(o.finalLoss()));
            assertTrue(ctx.rows("aux_loss").isEmpty(), "a dense Llama has no auxiliary loss");
        }
    }
}
