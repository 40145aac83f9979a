package dev.longtune.host.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * A chart panel drawn with Java2D (headless, no charting dependency, the same approach as the evaluators' plots):
 * a frame mapping data (x, y) to pixels, nice ticks, and PNG encoding. The report draws PNGs rather than SVG so the
 * very same picture is embedded in {@code report.html} and linked from {@code report.md}.
 */
final class Chart {

    static final Color INK = new Color(0x22, 0x22, 0x22);
    static final Color GRID = new Color(0xDD, 0xDD, 0xDD);
    static final Color BLUE = new Color(0x1F77B4);
    static final Color ORANGE = new Color(0xFF7F0E);
    static final Color GREEN = new Color(0x2CA02C);
    static final Color RED = new Color(0xD62728);

    static {
        // Reports are written on servers and in CI without a display (an explicit -Djava.awt.headless wins).
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    final int left;
    final int top;
    final int right;
    final int bottom;
    double xMin;
    double xMax;
    double yMin;
    double yMax;

    /** A panel occupying pixels [left, right] × [top, bottom] of its image. */
    Chart(int left, int top, int right, int bottom) {
        this.left = left;
        this.top = top;
        this.right = right;
        this.bottom = bottom;
    }

    Chart range(double x0, double x1, double y0, double y1) {
        if (!(x1 > x0)) {
            x1 = x0 + 1;
        }
        if (!(y1 > y0)) {
            double pad = Math.max(Math.abs(y0) * 0.1, 1e-3);
            y0 -= pad;
            y1 += pad;
        }
        xMin = x0;
        xMax = x1;
        yMin = y0;
        yMax = y1;
        return this;
    }

    int px(double x) {
        return (int) Math.round(left + (x - xMin) / (xMax - xMin) * (right - left));
    }

    int py(double y) {
        return (int) Math.round(bottom - (y - yMin) / (yMax - yMin) * (bottom - top));
    }

    /** Frame, horizontal grid lines with y labels, x ticks with labels, and the axis titles. */
    void axes(Graphics2D g, String xLabel, String yLabel) {
        g.setFont(plain(11));
        for (double y : ticks(yMin, yMax)) {
            g.setColor(GRID);
            g.drawLine(left, py(y), right, py(y));
            g.setColor(INK);
            rightAligned(g, label(y), left - 5, py(y));
        }
        g.setColor(INK);
        for (double x : ticks(xMin, xMax)) {
            g.drawLine(px(x), bottom, px(x), bottom + 4);
            centred(g, label(x), px(x), bottom + 17);
        }
        g.drawRect(left, top, right - left, bottom - top);
        g.setFont(plain(12));
        if (xLabel != null) {
            centred(g, xLabel, (left + right) / 2, bottom + 35);
        }
        AffineTransform saved = g.getTransform();
        int cx = Math.max(14, left - 55);
        g.rotate(-Math.PI / 2, cx, (top + bottom) / 2.0);
        centred(g, yLabel, cx, (top + bottom) / 2);
        g.setTransform(saved);
    }

    /** Ticks at a 1/2/5 step giving about five inside [lo, hi]. */
    static List<Double> ticks(double lo, double hi) {
        double raw = (hi - lo) / 5;
        double magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
        double step = 10 * magnitude;
        for (double m : new double[] {1, 2, 5, 10}) {
            if (raw <= m * magnitude) {
                step = m * magnitude;
                break;
            }
        }
        List<Double> out = new ArrayList<>();
        for (double t = Math.ceil(lo / step) * step; t <= hi + 1e-9 * step; t += step) {
            out.add(Math.abs(t) < 1e-12 * step ? 0.0 : t);
        }
        return out;
    }

    static String label(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e9) {
            return Long.toString((long) v);
        }
        if (Math.abs(v) < 1e-2) {
            return String.format(java.util.Locale.ROOT, "%.1e", v);
        }
        return new java.math.BigDecimal(v).round(new java.math.MathContext(3)).stripTrailingZeros().toPlainString();
    }

    static BufferedImage image(int width, int height) {
        // Opaque RGB: every pixel is what a viewer shows.
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        g.dispose();
        return image;
    }

    static Graphics2D graphics(BufferedImage image) {
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setStroke(new BasicStroke(1f));
        g.setFont(plain(12));
        g.setColor(INK);
        return g;
    }

    static Font plain(int size) {
        return new Font(Font.SANS_SERIF, Font.PLAIN, size);
    }

    static Font bold(int size) {
        return new Font(Font.SANS_SERIF, Font.BOLD, size);
    }

    static void centred(Graphics2D g, String text, int x, int y) {
        FontMetrics fm = g.getFontMetrics();
        g.drawString(text, x - fm.stringWidth(text) / 2, y);
    }

    static void rightAligned(Graphics2D g, String text, int x, int y) {
        FontMetrics fm = g.getFontMetrics();
        g.drawString(text, x - fm.stringWidth(text), y + (fm.getAscent() - fm.getDescent()) / 2);
    }

    /** A legend entry: a colour swatch and its name, at (x, y) baseline. */
    static void legend(Graphics2D g, Color colour, String name, int x, int y) {
        g.setColor(colour);
        g.fillRect(x, y - 9, 14, 9);
        g.setColor(INK);
        g.setFont(plain(11));
        g.drawString(name, x + 19, y);
    }

    static byte[] png(BufferedImage image) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(image, "png", out)) {
                throw new IOException("no PNG writer available");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
