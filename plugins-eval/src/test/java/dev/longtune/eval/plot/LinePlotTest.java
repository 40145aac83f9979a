package dev.longtune.eval.plot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The PNG read back: its size, where the points are, and that it is a drawing rather than a blank page. */
class LinePlotTest {

    @TempDir
    Path dir;

    private static final List<LinePlot.Point> POINTS = List.of(new LinePlot.Point(128, 1.0),
            new LinePlot.Point(256, 0.5), new LinePlot.Point(512, 0.0));

    private static BufferedImage readBack(LinePlot plot, Path file) throws Exception {
        plot.write(file);
        BufferedImage image = ImageIO.read(file.toFile());
        assertEquals(LinePlot.WIDTH, image.getWidth());
        assertEquals(LinePlot.HEIGHT, image.getHeight());
        return image;
    }

    private static Color at(BufferedImage image, int x, int y) {
        return new Color(image.getRGB(x, y));
    }

    @Test
    void markersSitWhereTheAxesPutThem() throws Exception {
        LinePlot plot = new LinePlot("Passkey", "context length", "accuracy").yRange(0, 1).series("after", POINTS);
        BufferedImage image = readBack(plot, dir.resolve("eval/plot.png"));
        plot.layout();
        Color blue = LinePlot.PALETTE.get(0);
        for (LinePlot.Point p : POINTS) {
            assertEquals(blue, at(image, plot.pixelX(p.x()), plot.pixelY(p.y())), "marker of " + p);
        }
        // Independent of the plot's own mapping: accuracy 1 is drawn above 0.5, which is above 0, and x grows
        // to the right; all inside the frame.
        assertTrue(plot.pixelY(1.0) < plot.pixelY(0.5) && plot.pixelY(0.5) < plot.pixelY(0.0));
        assertTrue(plot.pixelX(128) < plot.pixelX(256) && plot.pixelX(256) < plot.pixelX(512));
        assertTrue(plot.pixelY(1.0) > LinePlot.TOP && plot.pixelY(0.0) < LinePlot.BOTTOM);
        assertTrue(plot.pixelX(128) > LinePlot.LEFT && plot.pixelX(512) < LinePlot.RIGHT);
        // The x axis is linear in the data: 256 lies a third of the way from 128 to 512.
        assertEquals((plot.pixelX(512) - plot.pixelX(128)) / 3.0, plot.pixelX(256) - plot.pixelX(128), 1.0);
    }

    @Test
    void isADrawingNotABlankPage() throws Exception {
        BufferedImage image = readBack(new LinePlot("t", "x", "y").series("s", POINTS), dir.resolve("p.png"));
        assertEquals(Color.WHITE, at(image, 2, 2), "background");
        Set<Integer> colours = new HashSet<>();
        int dark = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                int rgb = image.getRGB(x, y) & 0xFFFFFF;
                colours.add(rgb);
                Color c = new Color(rgb);
                if (c.getRed() + c.getGreen() + c.getBlue() < 200) {
                    dark++;
                }
            }
        }
        assertTrue(colours.size() > 10, "only " + colours.size() + " colours");
        assertTrue(dark > 500, "text and frame drawn: " + dark + " dark pixels");
        // The frame's left edge is an unbroken dark line.
        for (int y = LinePlot.TOP + 1; y < LinePlot.BOTTOM; y += 7) {
            Color c = at(image, LinePlot.LEFT, y);
            assertTrue(c.getRed() < 120 && c.getGreen() < 120 && c.getBlue() < 120, "frame at y=" + y + ": " + c);
        }
    }

    @Test
    void logScaleSpacesDecadesEvenly() throws Exception {
        List<LinePlot.Point> ppl = List.of(new LinePlot.Point(1, 10), new LinePlot.Point(2, 100),
                new LinePlot.Point(3, 1000));
        LinePlot plot = new LinePlot("ppl", "x", "y").logY(true).series("s", ppl);
        BufferedImage image = readBack(plot, dir.resolve("log.png"));
        plot.layout();
        assertEquals(plot.pixelY(10) - plot.pixelY(100), plot.pixelY(100) - plot.pixelY(1000), 1);
        assertEquals(LinePlot.PALETTE.get(0), at(image, plot.pixelX(2), plot.pixelY(100)));
    }

    @Test
    void nonFinitePointsAreLeftOutNotDrawnAtZero() throws Exception {
        List<LinePlot.Point> withGap = List.of(new LinePlot.Point(1, 2), new LinePlot.Point(2, Double.NaN),
                new LinePlot.Point(3, 4));
        LinePlot plot = new LinePlot("gap", "x", "y").series("s", withGap);
        BufferedImage image = readBack(plot, dir.resolve("gap.png"));
        plot.layout();
        assertEquals(LinePlot.PALETTE.get(0), at(image, plot.pixelX(3), plot.pixelY(4)));
        // Nothing blue between the two points (in the band a joining line would cross; the legend is above it):
        // the line is broken at the missing value.
        for (int x = plot.pixelX(1) + LinePlot.MARKER_RADIUS + 2; x < plot.pixelX(3) - LinePlot.MARKER_RADIUS - 2;
                x++) {
            for (int y = plot.pixelY(4) - 2; y <= plot.pixelY(2) + 2; y++) {
                Color c = at(image, x, y);
                assertTrue(!(c.getBlue() > 150 && c.getRed() < 100), "line drawn across the gap at " + x + "," + y);
            }
        }
    }

    @Test
    void labelsAndTicksAreRoundNumbers() {
        assertEquals("0.5", Canvas.label(0.5));
        assertEquals("0.75", Canvas.label(0.75));
        assertEquals("4.08", Canvas.label(4.081114));
        assertEquals("1235", Canvas.label(1234.5));
        assertEquals("3", Canvas.label(3.0));
        assertEquals(List.of("0", "0.2", "0.4", "0.6", "0.8", "1"),
                LinePlot.linearTicks(-0.06, 1.06).stream().map(Canvas::label).toList());
        assertEquals(List.of("3.4", "3.6", "3.8", "4"),
                LinePlot.linearTicks(3.3, 4.1).stream().map(Canvas::label).toList());
    }

    @Test
    void rejectsAnEmptyRange() {
        assertThrows(IllegalArgumentException.class, () -> new LinePlot("t", "x", "y").yRange(1, 1));
    }
}
