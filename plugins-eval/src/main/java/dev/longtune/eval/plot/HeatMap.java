package dev.longtune.eval.plot;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.Rectangle;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The needle-in-a-haystack figure, written as a PNG with Java2D: a grid of cells (columns = context lengths, rows =
 * needle depths, depth 0 at the top as in the usual NIAH plot), each filled with its score's colour on a red (worst)
 * → yellow → green (best) scale and labelled with the value, plus a colour bar. A missing value (NaN) is grey.
 */
public final class HeatMap {

    static final int LEFT = 90;
    static final int TOP = 50;
    static final int BAR_WIDTH = 18;
    static final Color MISSING = new Color(0xBB, 0xBB, 0xBB);

    private static final Color RED = new Color(0xD7, 0x30, 0x27);
    private static final Color YELLOW = new Color(0xFE, 0xE0, 0x8B);
    private static final Color GREEN = new Color(0x1A, 0x98, 0x50);

    private final String title;
    private final String xLabel;
    private final String yLabel;
    private final List<String> columns;
    private final List<String> rows;
    private final double[][] values;
    private final double min;
    private final double max;
    final int cellWidth;
    final int cellHeight;

    /**
     * @param columns labels along x (left to right)
     * @param rows labels along y (top to bottom)
     * @param values {@code values[row][column]}; NaN for a cell that was not measured
     * @param min the score drawn red
     * @param max the score drawn green
     */
    public HeatMap(String title, String xLabel, String yLabel, List<String> columns, List<String> rows,
            double[][] values, double min, double max) {
        if (values.length != rows.size()) {
            throw new IllegalArgumentException(values.length + " rows of values for " + rows.size() + " row labels");
        }
        for (double[] row : values) {
            if (row.length != columns.size()) {
                throw new IllegalArgumentException(row.length + " values in a row for " + columns.size() + " columns");
            }
        }
        if (!(max > min)) {
            throw new IllegalArgumentException("need min < max, got " + min + ", " + max);
        }
        this.title = title;
        this.xLabel = xLabel;
        this.yLabel = yLabel;
        this.columns = List.copyOf(columns);
        this.rows = List.copyOf(rows);
        this.values = values;
        this.min = min;
        this.max = max;
        // Cells shrink for the full 35 x 35 NIAH grid and grow for a small one, within readable bounds.
        this.cellWidth = clamp(840 / Math.max(1, columns.size()), 24, 90);
        this.cellHeight = clamp(520 / Math.max(1, rows.size()), 14, 44);
    }

    public int width() {
        // Wide enough for the title too: a small grid (2 x 2) is narrower than "Needle in a haystack: …".
        return Math.max(LEFT + columns.size() * cellWidth + 30 + BAR_WIDTH + 50, titleWidth() + 40);
    }

    private int titleWidth() {
        BufferedImage probe = Canvas.image(1, 1);
        Graphics2D g = Canvas.graphics(probe);
        try {
            Canvas.bold(g, 15);
            return g.getFontMetrics().stringWidth(title);
        } finally {
            g.dispose();
        }
    }

    public int height() {
        return TOP + rows.size() * cellHeight + 60;
    }

    /** The pixels of cell ({@code row}, {@code column}). */
    public Rectangle cell(int row, int column) {
        return new Rectangle(LEFT + column * cellWidth, TOP + row * cellHeight, cellWidth, cellHeight);
    }

    /** The colour of a score {@code t} in {@code [0, 1]} (0 = min = red, 0.5 = yellow, 1 = max = green). */
    public static Color colour(double t) {
        if (Double.isNaN(t)) {
            return MISSING;
        }
        t = Math.max(0, Math.min(1, t));
        return t < 0.5 ? mix(RED, YELLOW, t * 2) : mix(YELLOW, GREEN, (t - 0.5) * 2);
    }

    /** The colour of {@code value} on this map's scale. */
    public Color colourOf(double value) {
        return colour(Double.isNaN(value) ? Double.NaN : (value - min) / (max - min));
    }

    public void write(Path file) throws IOException {
        Canvas.write(render(), file);
    }

    BufferedImage render() {
        BufferedImage image = Canvas.image(width(), height());
        Graphics2D g = Canvas.graphics(image);
        try {
            Canvas.bold(g, 15);
            Canvas.centred(g, title, width() / 2, 28);
            Canvas.plain(g, cellWidth < 40 ? 9 : 11);
            for (int r = 0; r < rows.size(); r++) {
                for (int c = 0; c < columns.size(); c++) {
                    Rectangle box = cell(r, c);
                    g.setColor(colourOf(values[r][c]));
                    g.fill(box);
                    g.setColor(Color.WHITE);
                    g.draw(box);
                    if (cellWidth >= 30 && cellHeight >= 14 && !Double.isNaN(values[r][c])) {
                        g.setColor(Canvas.INK);
                        Canvas.centred(g, Canvas.label(values[r][c]), box.x + box.width / 2,
                                box.y + box.height / 2 + 4);
                    }
                }
            }
            drawAxes(g);
            drawColourBar(g);
        } finally {
            g.dispose();
        }
        return image;
    }

    private void drawAxes(Graphics2D g) {
        Canvas.plain(g, columns.size() > 16 ? 9 : 11);
        g.setColor(Canvas.INK);
        int bottom = TOP + rows.size() * cellHeight;
        for (int c = 0; c < columns.size(); c++) {
            Canvas.centred(g, columns.get(c), LEFT + c * cellWidth + cellWidth / 2, bottom + 15);
        }
        Canvas.plain(g, rows.size() > 16 ? 9 : 11);
        for (int r = 0; r < rows.size(); r++) {
            Canvas.rightAligned(g, rows.get(r), LEFT - 6, TOP + r * cellHeight + cellHeight / 2);
        }
        Canvas.plain(g, 12);
        Canvas.centred(g, xLabel, LEFT + columns.size() * cellWidth / 2, bottom + 40);
        Canvas.vertical(g, yLabel, 22, TOP + rows.size() * cellHeight / 2);
    }

    private void drawColourBar(Graphics2D g) {
        int x = LEFT + columns.size() * cellWidth + 30;
        int h = rows.size() * cellHeight;
        for (int i = 0; i < h; i++) {
            g.setColor(colour(1 - i / (double) Math.max(1, h - 1)));
            g.drawLine(x, TOP + i, x + BAR_WIDTH, TOP + i);
        }
        g.setColor(Canvas.INK);
        g.drawRect(x, TOP, BAR_WIDTH, h);
        Canvas.plain(g, 10);
        g.drawString(Canvas.label(max), x + BAR_WIDTH + 4, TOP + 9);
        g.drawString(Canvas.label(min), x + BAR_WIDTH + 4, TOP + h);
    }

    private static Color mix(Color a, Color b, double t) {
        return new Color((int) Math.round(a.getRed() + (b.getRed() - a.getRed()) * t),
                (int) Math.round(a.getGreen() + (b.getGreen() - a.getGreen()) * t),
                (int) Math.round(a.getBlue() + (b.getBlue() - a.getBlue()) * t));
    }

    private static int clamp(int v, int lo, int hi) {
        return Math.max(lo, Math.min(hi, v));
    }
}
