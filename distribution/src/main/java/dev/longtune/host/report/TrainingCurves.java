package dev.longtune.host.report;

import dev.longtune.host.report.RunReport.Point;
import dev.longtune.host.report.RunReport.StepRow;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;

/**
 * The training curves in two panels sharing the step axis: loss on top (training as a blue line, held-out as orange
 * dots), learning rate below (green) — the schedule explains most bends in the loss, so it sits right under it.
 */
final class TrainingCurves {

    static final int WIDTH = 800;
    static final int HEIGHT = 560;

    private TrainingCurves() {}

    static byte[] render(List<StepRow> steps, List<Point> evalLoss) {
        List<Point> loss = new ArrayList<>();
        List<Point> lr = new ArrayList<>();
        for (StepRow r : steps) {
            if (Double.isFinite(r.loss())) {
                loss.add(new Point(r.step(), r.loss()));
            }
            if (Double.isFinite(r.lr())) {
                lr.add(new Point(r.step(), r.lr()));
            }
        }
        List<Point> eval = evalLoss.stream().filter(p -> Double.isFinite(p.y())).toList();
        double x0 = Double.POSITIVE_INFINITY;
        double x1 = Double.NEGATIVE_INFINITY;
        double y0 = Double.POSITIVE_INFINITY;
        double y1 = Double.NEGATIVE_INFINITY;
        for (List<Point> l : List.of(loss, eval, lr)) {
            for (Point p : l) {
                x0 = Math.min(x0, p.x());
                x1 = Math.max(x1, p.x());
            }
        }
        for (List<Point> l : List.of(loss, eval)) {
            for (Point p : l) {
                y0 = Math.min(y0, p.y());
                y1 = Math.max(y1, p.y());
            }
        }
        if (!Double.isFinite(x0)) {
            x0 = 0;
            x1 = 1;
        }
        if (!Double.isFinite(y0)) {
            y0 = 0;
            y1 = 1;
        }
        double xPad = (x1 - x0) * 0.03;
        x0 -= xPad;
        x1 += xPad;
        double lrMax = lr.stream().mapToDouble(Point::y).max().orElse(1);

        BufferedImage image = Chart.image(WIDTH, HEIGHT);
        Graphics2D g = Chart.graphics(image);
        try {
            g.setFont(Chart.bold(14));
            Chart.centred(g, "Training", WIDTH / 2, 24);
            double pad = (y1 - y0) * 0.05;
            Chart top = new Chart(90, 48, WIDTH - 30, 340).range(x0, x1, Math.max(0, y0 - pad), y1 + pad);
            top.axes(g, null, "loss");
            line(g, top, loss, Chart.BLUE);
            g.setColor(Chart.ORANGE);
            for (Point p : eval) {
                g.fillOval(top.px(p.x()) - 4, top.py(p.y()) - 4, 9, 9);
            }
            // Legends above the frame, where no point can hide under them.
            Chart.legend(g, Chart.BLUE, "training loss", top.left, top.top - 8);
            if (!eval.isEmpty()) {
                Chart.legend(g, Chart.ORANGE, "held-out loss", top.left + 120, top.top - 8);
            }
            Chart bottom = new Chart(90, 380, WIDTH - 30, HEIGHT - 55).range(x0, x1, 0, lrMax * 1.08);
            bottom.axes(g, "optimiser step", "learning rate");
            line(g, bottom, lr, Chart.GREEN);
        } finally {
            g.dispose();
        }
        return Chart.png(image);
    }

    private static void line(Graphics2D g, Chart c, List<Point> points, Color colour) {
        if (points.isEmpty()) {
            return;
        }
        g.setColor(colour);
        g.setStroke(new BasicStroke(2f));
        Path2D path = new Path2D.Double();
        path.moveTo(c.px(points.get(0).x()), c.py(points.get(0).y()));
        for (Point p : points.subList(1, points.size())) {
            path.lineTo(c.px(p.x()), c.py(p.y()));
        }
        g.draw(path);
        if (points.size() == 1) {
            g.fillOval(c.px(points.get(0).x()) - 3, c.py(points.get(0).y()) - 3, 7, 7);
        }
        g.setStroke(new BasicStroke(1f));
    }
}
