package dev.longtune.training.plot;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * A loss-curve PNG (Java2D + ImageIO, headless): training loss as a blue line over the optimiser step, evaluation
 * points as orange dots, with axes and min/max tick labels. No dependency beyond the JDK.
 */
public final class LossPlot {

    /** Image size and plot margins (pixels). */
    public static final int WIDTH = 800;
    public static final int HEIGHT = 500;
    public static final int LEFT = 70;
    public static final int RIGHT = 20;
    public static final int TOP = 30;
    public static final int BOTTOM = 50;
    public static final Color TRAIN = new Color(31, 119, 180);
    public static final Color EVAL = new Color(255, 127, 14);

    static {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true"); // no display needed (servers, CI)
        }
    }

    private LossPlot() {}

    /** A point of a curve. */
    public record Point(double step, double loss) {}

    /** Writes {@code file} (a PNG); nothing is written when there is no finite training point. */
    public static boolean write(Path file, List<Point> train, List<Point> eval) throws IOException {
        List<Point> tr = train.stream().filter(p -> Double.isFinite(p.loss())).toList();
        List<Point> ev = eval.stream().filter(p -> Double.isFinite(p.loss())).toList();
        if (tr.isEmpty()) {
            return false;
        }
        double x0 = Double.MAX_VALUE, x1 = -Double.MAX_VALUE, y0 = Double.MAX_VALUE, y1 = -Double.MAX_VALUE;
        for (List<Point> l : List.of(tr, ev)) {
            for (Point p : l) {
                x0 = Math.min(x0, p.step());
                x1 = Math.max(x1, p.step());
                y0 = Math.min(y0, p.loss());
                y1 = Math.max(y1, p.loss());
            }
        }
        if (x1 <= x0) {
            x1 = x0 + 1;
        }
        if (y1 <= y0) {
            y0 -= 0.5;
            y1 += 0.5;
        }
        BufferedImage img = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, WIDTH, HEIGHT);
            g.setColor(Color.BLACK);
            g.drawLine(LEFT, HEIGHT - BOTTOM, WIDTH - RIGHT, HEIGHT - BOTTOM);
            g.drawLine(LEFT, TOP, LEFT, HEIGHT - BOTTOM);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
            g.drawString(fmt(y1), 5, TOP + 5);
            g.drawString(fmt(y0), 5, HEIGHT - BOTTOM);
            g.drawString(fmt(x0), LEFT, HEIGHT - BOTTOM + 18);
            g.drawString(fmt(x1), WIDTH - RIGHT - 40, HEIGHT - BOTTOM + 18);
            g.drawString("step", WIDTH / 2, HEIGHT - 10);
            g.drawString("loss (train" + (ev.isEmpty() ? ")" : ", eval)"), LEFT, 18);
            g.setColor(TRAIN);
            g.setStroke(new BasicStroke(2f));
            int px = -1, py = -1;
            for (Point p : tr) {
                int x = x(p.step(), x0, x1);
                int y = y(p.loss(), y0, y1);
                if (px >= 0) {
                    g.drawLine(px, py, x, y);
                } else {
                    g.fillOval(x - 2, y - 2, 5, 5);
                }
                px = x;
                py = y;
            }
            g.setColor(EVAL);
            for (Point p : ev) {
                g.fillOval(x(p.step(), x0, x1) - 4, y(p.loss(), y0, y1) - 4, 9, 9);
            }
        } finally {
            g.dispose();
        }
        Files.createDirectories(file.toAbsolutePath().getParent());
        return ImageIO.write(img, "png", file.toFile());
    }

    /**
     * Writes {@code <outputDir>/loss.png} from the run's metric rows ({@code metrics/train.jsonl}: {@code step},
     * {@code loss}; {@code metrics/eval.jsonl}: {@code step}, {@code eval_loss}). Returns whether a file was written
     * (not when there are no training rows, e.g. a sink that does not write files).
     */
    public static boolean writeFromMetrics(Path outputDir) throws IOException {
        List<Point> train = read(outputDir.resolve("metrics").resolve("train.jsonl"), "loss");
        List<Point> eval = read(outputDir.resolve("metrics").resolve("eval.jsonl"), "eval_loss");
        return write(outputDir.resolve(FILE), train, eval);
    }

    /** The file name written in the output folder. */
    public static final String FILE = "loss.png";

    private static List<Point> read(Path jsonl, String field) throws IOException {
        List<Point> out = new java.util.ArrayList<>();
        if (!Files.isRegularFile(jsonl)) {
            return out;
        }
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        for (String line : Files.readAllLines(jsonl)) {
            if (line.isBlank()) {
                continue;
            }
            com.fasterxml.jackson.databind.JsonNode n = json.readTree(line);
            if (n.hasNonNull("step") && n.hasNonNull(field) && n.get(field).isNumber()) {
                out.add(new Point(n.get("step").asDouble(), n.get(field).asDouble()));
            }
        }
        return out;
    }

    /** The pixel column of {@code step}. */
    public static int x(double step, double x0, double x1) {
        return LEFT + (int) Math.round((step - x0) / (x1 - x0) * (WIDTH - LEFT - RIGHT));
    }

    /** The pixel row of {@code loss}. */
    public static int y(double loss, double y0, double y1) {
        return HEIGHT - BOTTOM - (int) Math.round((loss - y0) / (y1 - y0) * (HEIGHT - TOP - BOTTOM));
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.3g", v);
    }
}
