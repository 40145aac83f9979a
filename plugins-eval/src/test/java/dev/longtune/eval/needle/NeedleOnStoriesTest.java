package dev.longtune.eval.needle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.longtune.api.EvaluationJob;
import dev.longtune.api.EvaluationResult;
import dev.longtune.api.LanguageModel;
import dev.longtune.api.TextTokenizer;
import dev.longtune.conformance.TestRunContext;
import dev.longtune.eval.Stories;
import dev.longtune.eval.plot.HeatMap;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.IntPredicate;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real stories260K and its real tokenizer on the bundled essays: the run completes and writes its table and
 * heat map (a story model will not find the needle; the structure is what is checked), and the "." test finds the
 * sentence ends of real text.
 */
class NeedleOnStoriesTest {

    @TempDir
    Path out;

    @Test
    void runsATinyGridAndWritesTableAndHeatMap() throws Exception {
        List<Double> depths = List.of(0.0, 50.0, 100.0);
        try (TestRunContext context = new TestRunContext(out); LanguageModel model = Stories.load(context.manager())) {
            NeedleOptions options = new NeedleOptions(List.of(128, 256), depths, null, null, null, null, 8, 64, null);
            EvaluationResult r = new NeedleEvaluator(options).evaluate(new EvaluationJob(model, List.of(), "before",
                    context));
            assertEquals(6.0, r.metrics().get("cells_measured"));
            double score = r.metrics().get("score");
            assertTrue(score >= 0 && score <= 1, "score " + score);

            List<String> table = Files.readAllLines(out.resolve("eval/needle-before.csv"));
            assertEquals(7, table.size());
            int needle = model.tokenizer().encode(NeedleOptions.NEEDLE).length;
            for (String line : table.subList(1, 7)) {
                assertTrue(line.endsWith(",ok"), line);
                String[] cells = line.split(",");
                int length = Integer.parseInt(cells[0]);
                assertEquals(length - 64 - needle, Integer.parseInt(cells[3]), "haystack trimmed to L - 64 - needle");
            }
            BufferedImage png = ImageIO.read(out.resolve("eval/needle-before.png").toFile());
            HeatMap layout = new HeatMap("", "", "", List.of("128", "256"), List.of("0", "50", "100"),
                    new double[3][2], 0, 1);
            // Same grid (cells are placed from the left); the image may be wider, to fit the evaluator's title.
            assertTrue(png.getWidth() >= layout.width(), png.getWidth() + " < " + layout.width());
            assertEquals(layout.height(), png.getHeight());
        }
    }

    @Test
    void needleLandsAfterARealPeriod() throws Exception {
        try (TestRunContext context = new TestRunContext(out); LanguageModel model = Stories.load(context.manager())) {
            TextTokenizer tok = model.tokenizer();
            int[] haystack = Haystack.tokens(tok, Haystack.read(null), 4000);
            int[] needle = tok.encode(NeedleOptions.NEEDLE);
            IntPredicate period = NeedleEvaluator.periodTest(tok);
            for (double depth : new double[] {10, 33, 50, 90}) {
                NeedleInsertion.Placement p = NeedleInsertion.insert(haystack, needle, depth, 4000, 200, period);
                int at = p.insertionPoint();
                assertTrue(at > 0, "a period exists before depth " + depth);
                assertEquals(".", tok.decode(new int[] {p.ids()[at - 1]}).strip(), "token before the needle");
                // It is the nearest period at or before the raw point: none in between.
                int raw = (int) (p.haystackTokens() * (depth / 100));
                for (int i = at; i < raw; i++) {
                    assertTrue(!period.test(haystack[i]), "a nearer period at " + i);
                }
                assertTrue(tok.decode(p.ids()).contains("Dolores Park"));
            }
        }
    }
}
