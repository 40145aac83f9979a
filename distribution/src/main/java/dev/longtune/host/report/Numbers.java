package dev.longtune.host.report;

import java.util.Locale;

/** Numbers as the report prints them: integers plainly, others with four decimals (or scientific when tiny). */
final class Numbers {

    private Numbers() {}

    static String format(Number n) {
        return n == null ? "" : format(n.doubleValue());
    }

    static String format(double d) {
        if (Double.isNaN(d)) {
            return "–";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "∞" : "−∞";
        }
        if (d == Math.rint(d) && Math.abs(d) < 1e15) {
            return Long.toString((long) d);
        }
        if (Math.abs(d) < 1e-3 || Math.abs(d) >= 1e7) {
            return String.format(Locale.ROOT, "%.3e", d);
        }
        return String.format(Locale.ROOT, "%.4f", d);
    }

    /** A change, always signed so a reader sees the direction at a glance. */
    static String signed(double d) {
        String s = format(d);
        return d > 0 ? "+" + s : s;
    }
}
