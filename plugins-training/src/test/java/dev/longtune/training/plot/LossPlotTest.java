package dev.longtune.training.plot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** loss.png from the metric rows: read back, non-blank, the curve where the data puts it. */
class LossPlotTest {

    @TempDir
    Path out;

    @Test
    void writesTheCurveFromMetricRows() throws Exception {
        System.setProperty("java.awt.headless", "true");
        Path metrics = Files.createDirectories(out.resolve("metrics"));
        StringBuilder train = new StringBuilder();
        for (int s = 1; s <= 20; s++) { // loss falls linearly 4.0 -> 2.1
            train.append(String.format(java.util.Locale.ROOT, "{\"step\":%d,\"loss\":%.2f,\"lr\":0.001}%n", s,
                    4.1 - 0.1 * s));
        }
        Files.writeString(metrics.resolve("train.jsonl"), train.toString());
        Files.writeString(metrics.resolve("eval.jsonl"), "{\"step\":0,\"eval_loss\":4.2}\n{\"step\":20,"
                + "\"eval_loss\":2.0}\n");
        assertTrue(LossPlot.writeFromMetrics(out));
        BufferedImage img = ImageIO.read(out.resolve("loss.png").toFile());
        assertEquals(LossPlot.WIDTH, img.getWidth());
        assertEquals(LossPlot.HEIGHT, img.getHeight());
        // Ranges: steps 0..20, loss 2.0..4.2.
        double x0 = 0, x1 = 20, y0 = 2.0, y1 = 4.2;
        int nonWhite = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                if ((img.getRGB(x, y) & 0xFFFFFF) != 0xFFFFFF) {
                    nonWhite++;
                }
            }
        }
        assertTrue(nonWhite > 1000, "non-blank: " + nonWhite);
        // The train line passes through each logged point (and between them).
        for (double s = 1; s <= 20; s += 0.5) {
            double loss = 4.1 - 0.1 * s;
            int x = LossPlot.x(s, x0, x1);
            int y = LossPlot.y(loss, y0, y1);
            assertTrue(near(img, x, y, LossPlot.TRAIN, 2), "train line at step " + s + " (" + x + "," + y + ")");
        }
        // Eval dots at both ends; the top-right region (high loss, late steps) stays empty.
        assertTrue(near(img, LossPlot.x(0, x0, x1), LossPlot.y(4.2, y0, y1), LossPlot.EVAL, 2));
        assertTrue(near(img, LossPlot.x(20, x0, x1), LossPlot.y(2.0, y0, y1), LossPlot.EVAL, 2));
        assertFalse(near(img, LossPlot.x(18, x0, x1), LossPlot.y(4.0, y0, y1), LossPlot.TRAIN, 10));
    }

    @Test
    void nothingWithoutTrainRows() throws Exception {
        assertFalse(LossPlot.writeFromMetrics(out));
        assertFalse(Files.exists(out.resolve("loss.png")));
    }

    private static boolean near(BufferedImage img, int cx, int cy, Color c, int r) {
        for (int y = cy - r; y <= cy + r; y++) {
            for (int x = cx - r; x <= cx + r; x++) {
                if (x >= 0 && y >= 0 && x < img.getWidth() && y < img.getHeight() && close(img.getRGB(x, y), c)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean close(int rgb, Color c) {
        int r = (rgb >> 16) & 0xFF;
        int g = (rgb >> 8) & 0xFF;
        int b = rgb & 0xFF;
        return Math.abs(r - c.getRed()) < 40 && Math.abs(g - c.getGreen()) < 40 && Math.abs(b - c.getBlue()) < 40;
    }
}
