package dev.longtune.eval.passkey;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.longtune.api.EvaluationJob;
import dev.longtune.api.EvaluationResult;
import dev.longtune.conformance.TestRunContext;
import dev.longtune.eval.ScriptedModel;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The evaluator with test doubles whose answers are known: one that reads the key, one that gets it wrong. */
class PasskeyEvaluatorTest {

    private static final Pattern KEY = Pattern.compile("The pass key is (\\d+)\\. Remember it\\.");

    @TempDir
    Path out;

    /** Finds the key in the prompt the way a perfect reader would. */
    private static String key(String prompt) {
        Matcher m = KEY.matcher(prompt);
        assertTrue(m.find(), "no key line in the prompt");
        return m.group(1);
    }

    private static final UnaryOperator<String> KNOWS = PasskeyEvaluatorTest::key;

    /** The key with its first digit changed: same length, wrong. */
    private static final UnaryOperator<String> WRONG = p -> {
        String k = key(p);
        return (k.charAt(0) == '9' ? "1" : String.valueOf((char) (k.charAt(0) + 1))) + k.substring(1);
    };

    private EvaluationResult run(ScriptedModel model, PasskeyOptions options, TestRunContext context) throws Exception {
        return new PasskeyEvaluator(options).evaluate(new EvaluationJob(model, List.of(), "after", context));
    }

    @Test
    void aModelThatReadsTheKeyScoresOne() throws Exception {
        ScriptedModel model = new ScriptedModel(4096, KNOWS);
        try (TestRunContext context = new TestRunContext(out)) {
            EvaluationResult r = run(model, new PasskeyOptions(List.of(300, 1000), 4, null), context);
            assertEquals(1.0, r.metrics().get("accuracy@300"));
            assertEquals(1.0, r.metrics().get("accuracy@1000"));
            assertEquals(1.0, r.metrics().get("accuracy"));
        }
        assertEquals(8, model.prompts.size());
        for (int i = 0; i < model.prompts.size(); i++) {
            String prompt = model.prompts.get(i);
            int length = i < 4 ? 300 : 1000;
            // Test i is drawn from Random(0 + i) and fits its length (BOS + prompt + answer).
            PasskeyPrompt.Test expected = PasskeyPrompt.draw(length - 257, new Random(i % 4));
            assertEquals(expected.prompt(), prompt);
            assertTrue(1 + prompt.length() + key(prompt).length() <= length);
            // Greedy decoding of exactly len(answer ids) tokens.
            assertEquals(key(prompt).length(), model.options.get(i).maxNewTokens());
            assertTrue(model.options.get(i).isGreedy());
        }
    }

    @Test
    void aModelThatGetsTheKeyWrongScoresZero() throws Exception {
        try (TestRunContext context = new TestRunContext(out)) {
            EvaluationResult r = run(new ScriptedModel(4096, WRONG), new PasskeyOptions(List.of(300), 5, null),
                    context);
            assertEquals(0.0, r.metrics().get("accuracy@300"));
        }
    }

    @Test
    void onlyAnExactTokenMatchCounts() throws Exception {
        // Leading space, or the key inside a sentence: the token ids differ from encode(key), so it is wrong
        // (the protocol compares ids, it does not parse numbers).
        for (UnaryOperator<String> answer : List.<UnaryOperator<String>>of(p -> " " + key(p), p -> "is " + key(p))) {
            try (TestRunContext context = new TestRunContext(out)) {
                EvaluationResult r = run(new ScriptedModel(4096, answer), new PasskeyOptions(List.of(300), 3, null),
                        context);
                assertEquals(0.0, r.metrics().get("accuracy@300"));
            }
        }
    }

    @Test
    void accuracyIsPerLength() throws Exception {
        // Finds the key only in short prompts: a model whose extension does not hold.
        ScriptedModel model = new ScriptedModel(4096, p -> p.length() < 500 ? key(p) : "0");
        try (TestRunContext context = new TestRunContext(out)) {
            EvaluationResult r = run(model, new PasskeyOptions(List.of(1000, 300), 2, 7L), context);
            assertEquals(1.0, r.metrics().get("accuracy@300"));
            assertEquals(0.0, r.metrics().get("accuracy@1000"));
            assertEquals(0.5, r.metrics().get("accuracy"));
            List<String> table = Files.readAllLines(out.resolve("eval/passkey-after.csv"));
            assertEquals("length,garbage_chars,mean_prompt_tokens,trials,correct,accuracy,status", table.get(0));
            assertTrue(table.get(1).startsWith("300,43,"), "sorted by length: " + table.get(1));
            assertTrue(table.get(1).endsWith(",2,2,1.0000,ok"), table.get(1));
            assertTrue(table.get(2).endsWith(",2,0,0.0000,ok"), table.get(2));
            List<String> trials = Files.readAllLines(out.resolve("eval/passkey-after-trials.csv"));
            assertEquals(1 + 4, trials.size());
            // Seeds are seed + trial: 7 and 8.
            assertTrue(trials.get(1).startsWith("300,0,7,"), trials.get(1));
            assertTrue(trials.get(2).startsWith("300,1,8,"), trials.get(2));
        }
    }

    @Test
    void lengthsBeyondTheModelAreReportedNotRun() throws Exception {
        ScriptedModel model = new ScriptedModel(512, KNOWS);
        try (TestRunContext context = new TestRunContext(out)) {
            EvaluationResult r = run(model, new PasskeyOptions(List.of(300, 1000, 100), 2, null), context);
            assertEquals(Map.of("accuracy@300", 1.0, "accuracy", 1.0, "lengths_measured", 1.0, "lengths_skipped",
                    2.0), r.metrics());
            List<String> table = Files.readAllLines(out.resolve("eval/passkey-after.csv"));
            assertTrue(table.get(1).startsWith("100,") && table.get(1).contains("skipped: the prompt without garbage "
                    + "needs 257 tokens"), table.get(1));
            assertTrue(table.get(3).startsWith("1000,") && table.get(3).contains("skipped: longer than the model's "
                    + "context of 512"), table.get(3));
            Map<String, Object> row = context.rows("eval").get(0);
            assertTrue(String.valueOf(row.get("warning")).contains("1000"), String.valueOf(row));
        }
        assertEquals(2, model.prompts.size(), "only the 300-token tests ran");
    }

    @Test
    void writesTablesPlotAndAMetricsRow() throws Exception {
        try (TestRunContext context = new TestRunContext(out)) {
            EvaluationResult r = run(new ScriptedModel(4096, KNOWS), new PasskeyOptions(List.of(300, 600), 2, null),
                    context);
            assertEquals("passkey", r.evaluator());
            assertEquals(List.of(Path.of("eval/passkey-after.csv"), Path.of("eval/passkey-after-trials.csv"),
                    Path.of("eval/passkey-after.png")), r.artifacts());
            BufferedImage png = ImageIO.read(out.resolve("eval/passkey-after.png").toFile());
            assertTrue(png.getWidth() > 100 && png.getHeight() > 100);
            Map<String, Object> row = context.rows("eval").get(0);
            assertEquals("passkey", row.get("evaluator"));
            assertEquals("after", row.get("phase"));
            assertEquals(1.0, row.get("accuracy@600"));
            assertFalse(row.containsKey("warning"));
        }
    }

    @Test
    void defaultLengthsAreQuartersOfTheModelsContext() throws Exception {
        ScriptedModel model = new ScriptedModel(2048, KNOWS);
        try (TestRunContext context = new TestRunContext(out)) {
            EvaluationResult r = run(model, new PasskeyOptions(null, 1, null), context);
            assertEquals(List.of("accuracy@512", "accuracy@1024", "accuracy@1536", "accuracy@2048", "accuracy",
                    "lengths_measured", "lengths_skipped"), List.copyOf(r.metrics().keySet()));
        }
    }
}
