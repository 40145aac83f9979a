package dev.longtune.host.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.util.List;

/**
 * The token-length histogram of the training and held-out records: grouped bars per length bin (training blue,
 * held-out orange, as a fraction of each split's measured records so splits of different sizes compare), and the
 * {@code data.max_length} cut-off as a red dashed line — records right of it are truncated or skipped in training.
 */
final class LengthHistogram {

    static final int WIDTH = 800;
    static final int HEIGHT = 420;
    static final int BINS = 24;
    private static final List<Color> COLOURS = List.of(Chart.BLUE, Chart.ORANGE);

    private LengthHistogram() {}

    /** The bin width: a 1/2/5 step so that about {@link #BINS} bins cover 0 … max(longest, cut-off). */
    static int binWidth(int longest) {
        double raw = Math.max(1, longest) / (double) BINS;
        double magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
        for (double m : new double[] {1, 2, 5, 10}) {
            if (raw <= m * magnitude) {
                return (int) Math.max(1, Math.round(m * magnitude));
            }
        }
        return (int) Math.round(10 * magnitude);
    }

    /** Records per bin: {@code counts[b]} holds lengths in {@code [(first+b)*width, (first+b+1)*width)}. */
    static int[] counts(int[] lengths, int width, int first, int bins) {
        int[] c = new int[bins];
        for (int l : lengths) {
            c[Math.max(0, Math.min(bins - 1, l / width - first))]++;
        }
        return c;
    }

    static byte[] render(TokenLengths lengths) {
        List<TokenLengths.Split> splits = lengths.splits();
        // The axis spans the lengths and the cut-off, so the cut-off line is always in view.
        int shortest = splits.stream().mapToInt(TokenLengths.Split::min).min().orElse(0);
        int longest = splits.stream().mapToInt(TokenLengths.Split::max).max().orElse(1);
        if (lengths.maxLength() > 0) {
            shortest = Math.min(shortest, lengths.maxLength());
            longest = Math.max(longest, lengths.maxLength());
        }
        int width = binWidth(longest - shortest + 1);
        int first = shortest / width;
        int bins = longest / width - first + 1;
        double[][] fractions = new double[splits.size()][];
        double top = 0;
        for (int s = 0; s < splits.size(); s++) {
            int[] c = counts(splits.get(s).lengths(), width, first, bins);
            fractions[s] = new double[bins];
            for (int b = 0; b < bins; b++) {
                fractions[s][b] = c[b] / (double) splits.get(s).measured();
                top = Math.max(top, fractions[s][b]);
            }
        }
        BufferedImage image = Chart.image(WIDTH, HEIGHT);
        Graphics2D g = Chart.graphics(image);
        try {
            g.setFont(Chart.bold(14));
            Chart.centred(g, "Token lengths of the records", WIDTH / 2, 24);
            double x0 = first * (double) width;
            Chart chart = new Chart(80, 55, WIDTH - 30, HEIGHT - 60).range(x0, x0 + bins * (double) width, 0, top * 1.1);
            chart.axes(g, "tokens per record (prompt + completion)", "fraction of records");
            double barWidth = (chart.px(x0 + width) - chart.px(x0)) / (double) Math.max(1, splits.size());
            for (int s = 0; s < splits.size(); s++) {
                g.setColor(COLOURS.get(s % COLOURS.size()));
                for (int b = 0; b < bins; b++) {
                    if (fractions[s][b] > 0) {
                        int bx = (int) Math.round(chart.px(x0 + b * (double) width) + s * barWidth);
                        int by = chart.py(fractions[s][b]);
                        g.fillRect(bx + 1, by, (int) Math.max(1, Math.round(barWidth) - 1), chart.bottom - by);
                    }
                }
            }
            // Legends above the frame, where no bar can hide under them.
            for (int s = 0; s < splits.size(); s++) {
                TokenLengths.Split sp = splits.get(s);
                Chart.legend(g, COLOURS.get(s % COLOURS.size()), sp.name() + " (" + sp.measured() + " measured)",
                        chart.left + 170 * s, chart.top - 8);
            }
            if (lengths.maxLength() > 0) {
                int x = chart.px(lengths.maxLength());
                g.setColor(Chart.RED);
                g.setStroke(new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6, 4},
                        0f));
                g.drawLine(x, chart.top, x, chart.bottom);
                g.setStroke(new BasicStroke(1f));
                g.setFont(Chart.plain(11));
                String label = "max_length " + lengths.maxLength();
                int textX = x + 4 + g.getFontMetrics().stringWidth(label) > chart.right
                        ? x - 4 - g.getFontMetrics().stringWidth(label) : x + 4;
                g.drawString(label, textX, chart.top + 14);
            }
        } finally {
            g.dispose();
        }
        return Chart.png(image);
    }
}
