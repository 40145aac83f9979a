package dev.longtune.eval.plot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.Rectangle;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The heat map read back from its PNG: every cell carries its score's colour where the layout says it is. */
class HeatMapTest {

    @TempDir
    Path dir;

    private static Color at(BufferedImage image, int x, int y) {
        return new Color(image.getRGB(x, y));
    }

    @Test
    void colourScaleRunsRedThroughYellowToGreen() {
        Color zero = HeatMap.colour(0);
        Color half = HeatMap.colour(0.5);
        Color one = HeatMap.colour(1);
        assertTrue(zero.getRed() > 180 && zero.getGreen() < 80, "0 is red: " + zero);
        assertTrue(half.getRed() > 200 && half.getGreen() > 200, "0.5 is yellow: " + half);
        assertTrue(one.getGreen() > 120 && one.getRed() < 60, "1 is green: " + one);
        assertEquals(zero, HeatMap.colour(-3), "clamped below");
        assertEquals(one, HeatMap.colour(7), "clamped above");
        assertEquals(HeatMap.MISSING, HeatMap.colour(Double.NaN));
    }

    @Test
    void aSmallGridIsWidenedToItsTitleAndKeepsItsCellsInPlace() {
        String title = "Needle in a haystack: score by context length and depth (phase after)";
        HeatMap titled = new HeatMap(title, "context length", "depth (%)", List.of("128", "256"), List.of("0", "100"),
                new double[2][2], 0, 1);
        HeatMap untitled = new HeatMap("", "context length", "depth (%)", List.of("128", "256"), List.of("0", "100"),
                new double[2][2], 0, 1);
        java.awt.image.BufferedImage probe = new java.awt.image.BufferedImage(1, 1,
                java.awt.image.BufferedImage.TYPE_INT_RGB);
        java.awt.Graphics2D g = probe.createGraphics();
        g.setFont(new java.awt.Font(java.awt.Font.SANS_SERIF, java.awt.Font.BOLD, 15));
        int textWidth = g.getFontMetrics().stringWidth(title);
        g.dispose();
        assertTrue(untitled.width() < textWidth, "the grid alone is narrower than the title: the case to fix");
        assertTrue(titled.width() >= textWidth + 20, titled.width() + " vs title " + textWidth);
        assertEquals(untitled.cell(1, 1), titled.cell(1, 1));
    }

    @Test
    void cellsHaveTheirScoresColoursAtTheirPlaces() throws Exception {
        // Rows = depths (0 at the top), columns = lengths. A value per cell, one missing.
        double[][] values = {{1.0, 0.0, 0.5}, {0.0, Double.NaN, 1.0}};
        HeatMap map = new HeatMap("NIAH", "context length", "depth (%)", List.of("128", "256", "512"),
                List.of("0", "100"), values, 0, 1);
        Path file = dir.resolve("eval/needle.png");
        map.write(file);
        BufferedImage image = ImageIO.read(file.toFile());
        assertEquals(map.width(), image.getWidth());
        assertEquals(map.height(), image.getHeight());
        for (int r = 0; r < 2; r++) {
            for (int c = 0; c < 3; c++) {
                Rectangle cell = map.cell(r, c);
                // A few pixels in from the top-left corner: inside the fill, clear of the border and the label.
                Color expected = HeatMap.colour(values[r][c]);
                assertEquals(expected, at(image, cell.x + 4, cell.y + 4), "cell " + r + "," + c);
                assertEquals(expected, at(image, cell.x + cell.width - 5, cell.y + cell.height - 4),
                        "cell " + r + "," + c + " far corner");
            }
        }
        // Cells are laid out left to right and top to bottom without overlapping.
        assertTrue(map.cell(0, 1).x >= map.cell(0, 0).x + map.cell(0, 0).width);
        assertTrue(map.cell(1, 0).y >= map.cell(0, 0).y + map.cell(0, 0).height);
        // The value is written in the cell: its centre row holds dark text pixels.
        Rectangle first = map.cell(0, 0);
        int dark = 0;
        for (int x = first.x; x < first.x + first.width; x++) {
            for (int y = first.y; y < first.y + first.height; y++) {
                Color c = at(image, x, y);
                dark += c.getRed() + c.getGreen() + c.getBlue() < 250 ? 1 : 0;
            }
        }
        assertTrue(dark > 5, "value label drawn in the cell");
        assertEquals(Color.WHITE, at(image, 1, 1), "background");
    }

    @Test
    void aScaleOtherThanZeroToOneMapsItsEnds() {
        HeatMap map = new HeatMap("t", "x", "y", List.of("a"), List.of("b"), new double[][] {{10}}, 1, 10);
        assertEquals(HeatMap.colour(1), map.colourOf(10));
        assertEquals(HeatMap.colour(0), map.colourOf(1));
    }

    @Test
    void fullProtocolGridStaysReadable() throws Exception {
        double[][] values = new double[35][35];
        HeatMap map = new HeatMap("t", "x", "y", java.util.Collections.nCopies(35, "1000"),
                java.util.Collections.nCopies(35, "0"), values, 0, 1);
        assertTrue(map.width() < 1400 && map.height() < 1000, map.width() + "x" + map.height());
        map.write(dir.resolve("big.png"));
        assertEquals(map.width(), ImageIO.read(dir.resolve("big.png").toFile()).getWidth());
    }

    @Test
    void rejectsValuesThatDoNotMatchTheLabels() {
        assertThrows(IllegalArgumentException.class, () -> new HeatMap("t", "x", "y", List.of("a", "b"),
                List.of("r"), new double[][] {{1}}, 0, 1));
    }
}
