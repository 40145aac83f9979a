package dev.longtune.host.run;

import dev.longtune.api.RunContext;
import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;

/**
 * A progress bar with rate and ETA. On a terminal it redraws one line in place; otherwise (CI, a log file) it prints
 * a plain line at most every {@code logIntervalNanos} and at the end, so logs stay readable.
 */
final class ConsoleProgress implements RunContext.Progress {

    private static final int WIDTH = 24;

    private final PrintStream out;
    private final String task;
    private final long total;
    private final String unit;
    private final boolean interactive;
    private final long start = System.nanoTime();
    private final long logIntervalNanos;
    private long done;
    private long printedDone = -1;
    private long lastPrint;
    private String status = "";

    ConsoleProgress(PrintStream out, String task, long total, String unit, boolean interactive, long logIntervalNanos) {
        this.out = out;
        this.task = task;
        this.total = total;
        this.unit = unit;
        this.interactive = interactive;
        this.logIntervalNanos = logIntervalNanos;
        this.lastPrint = start;
    }

    @Override
    public synchronized void advance(long units, Map<String, ?> status) {
        done += units;
        this.status = format(status);
        long now = System.nanoTime();
        if (interactive || now - lastPrint >= logIntervalNanos) {
            lastPrint = now;
            print(false);
        }
    }

    @Override
    public synchronized void close() {
        if (interactive || printedDone != done) {
            print(true);
        }
    }

    private void print(boolean last) {
        printedDone = done;
        String line = render(System.nanoTime());
        if (interactive) {
            out.print("\r" + line + (last ? "\n" : ""));
        } else {
            out.println(line);
        }
        out.flush();
    }

    String render(long now) {
        double seconds = Math.max(1e-9, (now - start) / 1e9);
        double rate = done / seconds;
        StringBuilder sb = new StringBuilder(task).append(' ');
        if (total > 0) {
            int filled = (int) Math.min(WIDTH, Math.round(WIDTH * (double) done / total));
            sb.append('[').append("#".repeat(filled)).append("-".repeat(WIDTH - filled)).append("] ");
            sb.append(done).append('/').append(total).append(' ').append(unit);
            double remaining = rate > 0 ? (total - done) / rate : Double.NaN;
            sb.append(String.format(Locale.ROOT, "  %.2f %s/s  elapsed %s  ETA %s", rate, unit, clock(seconds),
                    Double.isNaN(remaining) ? "?" : clock(remaining)));
        } else {
            sb.append(done).append(' ').append(unit)
                    .append(String.format(Locale.ROOT, "  %.2f %s/s  elapsed %s", rate, unit, clock(seconds)));
        }
        if (!status.isEmpty()) {
            sb.append("  ").append(status);
        }
        return sb.toString();
    }

    static String clock(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }

    private static String format(Map<String, ?> status) {
        if (status == null || status.isEmpty()) {
            return "";
        }
        StringBuilder sb = new StringBuilder();
        status.forEach((k, v) -> {
            if (sb.length() > 0) {
                sb.append(' ');
            }
            sb.append(k).append('=');
            if (v instanceof Double || v instanceof Float) {
                double d = ((Number) v).doubleValue();
                sb.append(Math.abs(d) < 1e-3 && d != 0 ? String.format(Locale.ROOT, "%.2e", d)
                        : String.format(Locale.ROOT, "%.4f", d));
            } else {
                sb.append(v);
            }
        });
        return sb.toString();
    }
}
