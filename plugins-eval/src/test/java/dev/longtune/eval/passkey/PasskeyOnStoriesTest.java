package dev.longtune.eval.passkey;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.longtune.api.EvaluationJob;
import dev.longtune.api.EvaluationResult;
import dev.longtune.api.LanguageModel;
import dev.longtune.conformance.TestRunContext;
import dev.longtune.eval.Stories;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real stories260K at tiny lengths: a 260K-parameter story model cannot retrieve a key, so this checks that the
 * run completes and what it writes, not the accuracy.
 */
class PasskeyOnStoriesTest {

    @TempDir
    Path out;

    @Test
    void runsAtTinyLengthsAndWritesTablesAndPlot() throws Exception {
        try (TestRunContext context = new TestRunContext(out); LanguageModel model = Stories.load(context.manager())) {
            EvaluationResult r = new PasskeyEvaluator(new PasskeyOptions(List.of(128, 192, 256), 2, null)).evaluate(
                    new EvaluationJob(model, List.of(), "before", context));
            for (String k : List.of("accuracy@192", "accuracy@256")) {
                Double a = r.metrics().get(k);
                assertTrue(a != null, k + " missing: " + Files.readAllLines(out.resolve("eval/passkey-before.csv")));
                assertTrue(a >= 0 && a <= 1, k + " = " + a);
            }
            List<String> table = Files.readAllLines(out.resolve("eval/passkey-before.csv"));
            assertEquals(4, table.size());
            // The protocol's text alone is about 170 stories260K tokens: 128 cannot hold a test, and says so.
            assertTrue(table.get(1).startsWith("128,") && table.get(1).contains("skipped: the prompt without garbage "
                    + "needs"), table.get(1));
            assertEquals(null, r.metrics().get("accuracy@128"));
            for (int i = 2; i < 4; i++) {
                String[] cells = table.get(i).split(",");
                int length = Integer.parseInt(cells[0]);
                double meanTokens = Double.parseDouble(cells[2]);
                // The garbage was sized with the model's tokenizer: tests come close to the length without
                // passing it.
                assertTrue(meanTokens <= length && meanTokens > length - 24, table.get(i));
                assertEquals("ok", cells[6]);
            }
            assertEquals(1 + 2 * 2, Files.readAllLines(out.resolve("eval/passkey-before-trials.csv")).size());
            assertTrue(ImageIO.read(out.resolve("eval/passkey-before.png").toFile()).getWidth() > 0);
        }
    }
}
