package dev.longtune.eval.needle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.longtune.api.EvaluationJob;
import dev.longtune.api.EvaluationResult;
import dev.longtune.conformance.TestRunContext;
import dev.longtune.eval.ScriptedModel;
import dev.longtune.eval.needle.NeedleOptions.Template;
import dev.longtune.eval.plot.HeatMap;
import java.awt.Color;
import java.awt.Rectangle;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The evaluator on a character-level test double, so every token position can be checked by hand. */
class NeedleEvaluatorTest {

    @TempDir
    Path out;

    @TempDir
    Path hay;

    private static final String SYSTEM = "You are a helpful AI bot that answers questions for a user. Keep your response "
            + "short and direct";
    private static final String ASK = "What is the best thing to do in San Francisco? Don't give information outside "
            + "the document or repeat your findings";

    /** Answers with the needle's sentence whenever the prompt holds it. */
    private static final UnaryOperator<String> FINDS = p -> p.contains("Dolores Park")
            ? "Eat a sandwich and sit in Dolores Park." : "I do not know.";

    private NeedleOptions options(List<Integer> lengths, List<Double> depths, int buffer, Template template)
            throws Exception {
        // "One two. Three four. " + "Five six. ": 31 characters, read a.txt then b.txt.
        Files.writeString(hay.resolve("b.txt"), "Five six. ");
        Files.writeString(hay.resolve("a.txt"), "One two. Three four. ");
        Files.writeString(hay.resolve("ignored.md"), "not a .txt file");
        return new NeedleOptions(lengths, depths, hay.toString(), null, null, null, 64, buffer, template);
    }

    private EvaluationResult run(ScriptedModel model, NeedleOptions options, TestRunContext context) throws Exception {
        return new NeedleEvaluator(options).evaluate(new EvaluationJob(model, List.of(), "after", context));
    }

    @Test
    void buildsTheProtocolsPromptAroundTheNeedle() throws Exception {
        ScriptedModel model = new ScriptedModel(4096, FINDS);
        try (TestRunContext context = new TestRunContext(out)) {
            // Length 222, buffer 100: 122 tokens for haystack + needle (97 characters), so 25 of haystack:
            // "One two. Three four. Five". Depth 50: int(25 * 0.5) = 12 ("r" of "Three"), back to just after
            // "One two." (index 8).
            run(model, options(List.of(222), List.of(50.0), 100, null), context);
        }
        String expected = SYSTEM + "\n\n"
                + "One two.\nThe best thing to do in San Francisco is eat a sandwich and sit in Dolores Park on a "
                + "sunny day.\n Three four. Five"
                + "\n\n" + ASK + "\nAnswer:";
        assertEquals(List.of(expected), model.prompts);
        assertEquals(64, model.options.get(0).maxNewTokens());
        assertTrue(model.options.get(0).isGreedy());
    }

    @Test
    void alpacaTemplatePutsContextAndQuestionInTheInput() throws Exception {
        ScriptedModel model = new ScriptedModel(4096, FINDS);
        try (TestRunContext context = new TestRunContext(out)) {
            run(model, options(List.of(222), List.of(100.0), 100, Template.ALPACA), context);
        }
        String context = "One two. Three four. Five\nThe best thing to do in San Francisco is eat a sandwich and sit "
                + "in Dolores Park on a sunny day.\n";
        assertEquals("Below is an instruction that describes a task, paired with an input that provides further "
                + "context. Write a response that appropriately completes the request.\n\n### Instruction:\n" + SYSTEM
                + "\n\n### Input:\n" + context + "\n\n" + ASK + "\n\n### Response:\n", model.prompts.get(0));
    }

    @Test
    void aModelThatFindsTheNeedleScoresOneEverywhere() throws Exception {
        try (TestRunContext context = new TestRunContext(out)) {
            EvaluationResult r = run(new ScriptedModel(4096, FINDS), options(List.of(300, 600),
                    List.of(0.0, 50.0, 100.0), 100, null), context);
            assertEquals(1.0, r.metrics().get("score"));
            assertEquals(1.0, r.metrics().get("score@300"));
            assertEquals(1.0, r.metrics().get("score@600"));
            assertEquals(6.0, r.metrics().get("cells_measured"));
        }
    }

    @Test
    void scoresAndHeatMapFollowTheDepthTheModelCanRead() throws Exception {
        // Finds the needle only when it is the very start of the context (depth 0), says half of it at depth 100.
        UnaryOperator<String> model = p -> p.startsWith(SYSTEM + "\n\n\nThe best thing") ? "eat a sandwich in Dolores "
                + "Park" : p.contains("sunny day.\n\n\n" + ASK) ? "Dolores Park" : "no idea";
        List<Double> depths = List.of(0.0, 50.0, 100.0);
        try (TestRunContext context = new TestRunContext(out)) {
            EvaluationResult r = run(new ScriptedModel(4096, model), options(List.of(300, 600), depths, 100, null),
                    context);
            assertEquals(0.5, r.metrics().get("score@300"), "(1 + 0 + 0.5) / 3");
            assertEquals(List.of(Path.of("eval/needle-after.csv"), Path.of("eval/needle-after.png")), r.artifacts());

            List<String> table = Files.readAllLines(out.resolve("eval/needle-after.csv"));
            assertEquals("length,depth_percent,score,haystack_tokens,needle_at_token,prompt_tokens,answer,status",
                    table.get(0));
            assertEquals(7, table.size());
            // Length 300, buffer 100: 200 - 97 = 103 haystack tokens; at depth 0 the needle is token 0.
            assertTrue(table.get(1).startsWith("300,0,1.0000,103,0,"), table.get(1));
            assertTrue(table.get(3).startsWith("300,100,0.5000,103,103,"), table.get(3));

            BufferedImage png = ImageIO.read(out.resolve("eval/needle-after.png").toFile());
            HeatMap layout = new HeatMap("", "", "", List.of("300", "600"), List.of("0", "50", "100"),
                    new double[3][2], 0, 1);
            // Same grid (cells are placed from the left); the image may be wider, to fit the evaluator's title.
            assertTrue(png.getWidth() >= layout.width(), png.getWidth() + " < " + layout.width());
            double[] rowScores = {1.0, 0.0, 0.5};
            for (int row = 0; row < 3; row++) {
                for (int col = 0; col < 2; col++) {
                    Rectangle cell = layout.cell(row, col);
                    assertEquals(HeatMap.colour(rowScores[row]), new Color(png.getRGB(cell.x + 4, cell.y + 4)),
                            "cell depth " + depths.get(row) + ", length column " + col);
                }
            }
        }
    }

    @Test
    void cellsThatCannotRunAreReportedNotRun() throws Exception {
        ScriptedModel model = new ScriptedModel(1000, FINDS);
        try (TestRunContext context = new TestRunContext(out)) {
            // 150 - 100 leaves 50 tokens, fewer than the needle's 97; 2000 exceeds the model's 1000.
            EvaluationResult r = run(model, options(List.of(150, 300, 2000), List.of(50.0), 100, null), context);
            assertEquals(Map.of("score@300", 1.0, "score", 1.0, "cells_measured", 1.0, "cells_skipped", 2.0),
                    r.metrics());
            List<String> table = Files.readAllLines(out.resolve("eval/needle-after.csv"));
            assertTrue(table.get(1).contains("leaves no room for the needle's 97 tokens"), table.get(1));
            assertTrue(table.get(3).contains("longer than the model's context of 1000"), table.get(3));
            assertTrue(String.valueOf(context.rows("eval").get(0).get("warning")).contains("2 of 3 cells skipped"));
        }
        assertEquals(1, model.prompts.size());
    }
}
