package dev.longtune.eval.plot;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * A small line plot written as a PNG with Java2D (no charting dependency): one or more series of (x, y) points,
 * markers joined by lines, each marker labelled with its value, optional log-scale y. Points whose y is not finite
 * (or not positive on a log axis) are left out and break the line, so a missing measurement shows as a gap rather
 * than as a made-up value.
 *
 * <pre>
 * new LinePlot("Passkey retrieval", "context length (tokens)", "accuracy")
 *         .yRange(0, 1).series("after", points).write(file);
 * </pre>
 */
public final class LinePlot {

    public static final int WIDTH = 720;
    public static final int HEIGHT = 440;

    /** Colours of the series, in order (matplotlib's first four, so the figures look familiar). */
    public static final List<Color> PALETTE = List.of(new Color(0x1F77B4), new Color(0xFF7F0E), new Color(0x2CA02C),
            new Color(0xD62728));

    static final int LEFT = 80;
    static final int RIGHT = WIDTH - 30;
    static final int TOP = 50;
    static final int BOTTOM = HEIGHT - 60;
    static final int MARKER_RADIUS = 4;

    public record Point(double x, double y) {}

    public record Series(String name, List<Point> points) {

        public Series {
            points = List.copyOf(points);
        }
    }

    private final String title;
    private final String xLabel;
    private final String yLabel;
    private final List<Series> series = new ArrayList<>();
    private boolean logY;
    private Double fixedMin;
    private Double fixedMax;

    public LinePlot(String title, String xLabel, String yLabel) {
        this.title = title;
        this.xLabel = xLabel;
        this.yLabel = yLabel;
    }

    public LinePlot series(String name, List<Point> points) {
        series.add(new Series(name, points));
        return this;
    }

    /** A fixed y range (accuracy: 0 to 1) instead of one fitted to the data. */
    public LinePlot yRange(double min, double max) {
        if (!(max > min)) {
            throw new IllegalArgumentException("y range needs min < max, got " + min + ", " + max);
        }
        fixedMin = min;
        fixedMax = max;
        return this;
    }

    /** Log-scale y (perplexities spanning orders of magnitude when an extension breaks down). */
    public LinePlot logY(boolean log) {
        this.logY = log;
        return this;
    }

    public void write(Path file) throws IOException {
        Canvas.write(render(), file);
    }

    // ---- geometry (package-private so tests can find the pixels of a point) ----

    private double xMin;
    private double xMax;
    private double tMin;
    private double tMax;

    /** Where the data ranges go; called by {@link #render()} and by tests before reading pixels. */
    LinePlot layout() {
        List<Point> usable = new ArrayList<>();
        for (Series s : series) {
            s.points().stream().filter(this::plottable).forEach(usable::add);
        }
        double lo = usable.stream().mapToDouble(Point::x).min().orElse(0);
        double hi = usable.stream().mapToDouble(Point::x).max().orElse(1);
        if (hi == lo) {
            double pad = Math.max(1, Math.abs(lo) * 0.1);
            lo -= pad;
            hi += pad;
        }
        double xPad = (hi - lo) * 0.06;
        xMin = lo - xPad;
        xMax = hi + xPad;

        double yLo;
        double yHi;
        if (fixedMin != null) {
            yLo = fixedMin;
            yHi = fixedMax;
        } else {
            yLo = usable.stream().mapToDouble(Point::y).min().orElse(logY ? 1 : 0);
            yHi = usable.stream().mapToDouble(Point::y).max().orElse(logY ? 10 : 1);
        }
        double a = transform(yLo);
        double b = transform(yHi);
        if (b == a) {
            a -= logY ? Math.log10(2) : Math.max(1, Math.abs(a) * 0.1);
            b += logY ? Math.log10(2) : Math.max(1, Math.abs(b) * 0.1);
        }
        // Padding so a value at the edge of the range (accuracy 0 or 1) is drawn inside the frame, not on it.
        double yPad = (b - a) * 0.06;
        tMin = a - yPad;
        tMax = b + yPad;
        return this;
    }

    int pixelX(double x) {
        return (int) Math.round(LEFT + (x - xMin) / (xMax - xMin) * (RIGHT - LEFT));
    }

    int pixelY(double y) {
        return (int) Math.round(BOTTOM - (transform(y) - tMin) / (tMax - tMin) * (BOTTOM - TOP));
    }

    private double transform(double y) {
        return logY ? Math.log10(y) : y;
    }

    private boolean plottable(Point p) {
        return Double.isFinite(p.x()) && Double.isFinite(p.y()) && (!logY || p.y() > 0);
    }

    BufferedImage render() {
        layout();
        BufferedImage image = Canvas.image(WIDTH, HEIGHT);
        Graphics2D g = Canvas.graphics(image);
        try {
            drawAxes(g);
            for (int i = 0; i < series.size(); i++) {
                drawSeries(g, series.get(i), PALETTE.get(i % PALETTE.size()));
            }
            drawLegend(g);
        } finally {
            g.dispose();
        }
        return image;
    }

    private void drawAxes(Graphics2D g) {
        Canvas.bold(g, 15);
        Canvas.centred(g, title, WIDTH / 2, 28);
        Canvas.plain(g, 12);

        for (double y : yTicks()) {
            int py = pixelY(y);
            g.setColor(Canvas.GRID);
            g.drawLine(LEFT, py, RIGHT, py);
            g.setColor(Canvas.INK);
            Canvas.rightAligned(g, Canvas.label(y), LEFT - 6, py);
        }
        for (double x : xTicks()) {
            int px = pixelX(x);
            g.setColor(Canvas.INK);
            g.drawLine(px, BOTTOM, px, BOTTOM + 4);
            Canvas.centred(g, Canvas.label(x), px, BOTTOM + 18);
        }
        g.setColor(Canvas.INK);
        g.drawRect(LEFT, TOP, RIGHT - LEFT, BOTTOM - TOP);
        Canvas.centred(g, xLabel, (LEFT + RIGHT) / 2, HEIGHT - 18);
        Canvas.vertical(g, yLabel + (logY ? " (log scale)" : ""), 20, (TOP + BOTTOM) / 2);
    }

    /** The data's own x values when there are few (context lengths are what the reader wants to find), else 6. */
    private List<Double> xTicks() {
        TreeSet<Double> xs = new TreeSet<>();
        for (Series s : series) {
            s.points().stream().filter(this::plottable).forEach(p -> xs.add(p.x()));
        }
        if (!xs.isEmpty() && xs.size() <= 10) {
            return new ArrayList<>(xs);
        }
        return linearTicks(xMin, xMax);
    }

    private List<Double> yTicks() {
        if (!logY) {
            return linearTicks(tMin, tMax);
        }
        List<Double> decades = new ArrayList<>();
        for (int k = (int) Math.ceil(tMin); k <= Math.floor(tMax); k++) {
            decades.add(Math.pow(10, k));
        }
        if (decades.size() >= 3) {
            return decades;
        }
        // Less than two decades: round values (a 1/2/5 step), placed on the log axis.
        return linearTicks(Math.pow(10, tMin), Math.pow(10, tMax));
    }

    /** Ticks at a 1/2/5 step that gives about five of them (up to seven) inside {@code [lo, hi]}. */
    static List<Double> linearTicks(double lo, double hi) {
        double raw = (hi - lo) / 6;
        double magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
        double step = magnitude;
        for (double m : new double[] {1, 2, 5, 10}) {
            if (raw <= m * magnitude) {
                step = m * magnitude;
                break;
            }
        }
        List<Double> ticks = new ArrayList<>();
        for (double t = Math.ceil(lo / step) * step; t <= hi + 1e-9 * step; t += step) {
            ticks.add(Math.abs(t) < 1e-12 * step ? 0.0 : t);
        }
        return ticks;
    }

    private void drawSeries(Graphics2D g, Series s, Color colour) {
        g.setColor(colour);
        g.setStroke(new BasicStroke(2f));
        Path2D line = null;
        for (Point p : s.points()) {
            if (!plottable(p)) {
                line = flush(g, line);
                continue;
            }
            if (line == null) {
                line = new Path2D.Double();
                line.moveTo(pixelX(p.x()), pixelY(p.y()));
            } else {
                line.lineTo(pixelX(p.x()), pixelY(p.y()));
            }
        }
        flush(g, line);
        g.setStroke(new BasicStroke(1f));
        Canvas.plain(g, 11);
        for (Point p : s.points()) {
            if (plottable(p)) {
                int px = pixelX(p.x());
                int py = pixelY(p.y());
                g.setColor(colour);
                g.fillOval(px - MARKER_RADIUS, py - MARKER_RADIUS, 2 * MARKER_RADIUS + 1, 2 * MARKER_RADIUS + 1);
                g.setColor(Canvas.INK);
                // Above the marker unless that leaves the frame (a value at the top of a fixed range).
                int labelY = py - MARKER_RADIUS - 4 < TOP + 12 ? py + MARKER_RADIUS + 14 : py - MARKER_RADIUS - 4;
                Canvas.centred(g, Canvas.label(p.y()), px, labelY);
            }
        }
        Canvas.plain(g, 12);
    }

    private static Path2D flush(Graphics2D g, Path2D line) {
        if (line != null) {
            g.draw(line);
        }
        return null;
    }

    private void drawLegend(Graphics2D g) {
        // One series needs no legend (its name is in the title), and a legend box could hide a point.
        if (series.size() < 2) {
            return;
        }
        int y = TOP + 16;
        for (int i = 0; i < series.size(); i++) {
            Series s = series.get(i);
            g.setColor(PALETTE.get(i % PALETTE.size()));
            g.fillRect(RIGHT - 120, y - 8, 14, 8);
            g.setColor(Canvas.INK);
            g.drawString(s.name() == null ? "" : s.name(), RIGHT - 100, y);
            y += 16;
        }
    }
}
