package dev.longtune.eval.plot;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/** What both plot writers share: a headless white image, fonts, centred text, and writing the PNG. */
final class Canvas {

    static final Color INK = new Color(0x22, 0x22, 0x22);
    static final Color GRID = new Color(0xDD, 0xDD, 0xDD);

    static {
        // Evaluations run on servers and in CI without a display; Java2D must not try to open one. Set before the
        // first AWT class initialises (an explicit -Djava.awt.headless=false from the user wins).
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    private Canvas() {}

    static BufferedImage image(int width, int height) {
        // RGB, not ARGB: every pixel is opaque, so a reader sees the same colours a viewer shows.
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
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        g.setStroke(new BasicStroke(1f));
        g.setColor(INK);
        return g;
    }

    /** Draws {@code text} centred horizontally on {@code x} with its baseline at {@code y}. */
    static void centred(Graphics2D g, String text, int x, int y) {
        FontMetrics fm = g.getFontMetrics();
        g.drawString(text, x - fm.stringWidth(text) / 2, y);
    }

    /** Draws {@code text} right-aligned at {@code x}, vertically centred on {@code y}. */
    static void rightAligned(Graphics2D g, String text, int x, int y) {
        FontMetrics fm = g.getFontMetrics();
        g.drawString(text, x - fm.stringWidth(text), y + (fm.getAscent() - fm.getDescent()) / 2);
    }

    /** Draws {@code text} rotated a quarter turn anticlockwise, centred on {@code (x, y)} (a y-axis label). */
    static void vertical(Graphics2D g, String text, int x, int y) {
        AffineTransform saved = g.getTransform();
        g.rotate(-Math.PI / 2, x, y);
        centred(g, text, x, y);
        g.setTransform(saved);
    }

    static void bold(Graphics2D g, int size) {
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, size));
    }

    static void plain(Graphics2D g, int size) {
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, size));
    }

    static void write(BufferedImage image, Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        if (!ImageIO.write(image, "png", file.toFile())) {
            throw new IOException("no PNG writer available to write " + file);
        }
    }

    /** A number as a short axis or cell label: integers without decimals, others with 3 significant digits at most. */
    static String label(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e9) {
            return String.valueOf((long) v);
        }
        if (!Double.isFinite(v)) {
            return String.valueOf(v);
        }
        if (Math.abs(v) >= 100) {
            return String.valueOf(Math.round(v));
        }
        return new java.math.BigDecimal(v).round(new java.math.MathContext(3)).stripTrailingZeros().toPlainString();
    }
}
