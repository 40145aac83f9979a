package dev.longtune.host.report;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** Tables and sentences both report formats print the same way. */
final class ReportText {

    private ReportText() {}

    /** Length statistics, header first: one row per split. */
    static List<String[]> lengthRows(TokenLengths l) {
        List<String[]> rows = new ArrayList<>();
        boolean cut = l.maxLength() > 0;
        rows.add(cut ? new String[] {"split", "records", "measured", "min", "median", "p95", "max",
                "> max_length " + l.maxLength()}
                : new String[] {"split", "records", "measured", "min", "median", "p95", "max"});
        for (TokenLengths.Split s : l.splits()) {
            List<String> row = new ArrayList<>(List.of(s.name(), Integer.toString(s.records()),
                    Integer.toString(s.measured()), Integer.toString(s.min()), Numbers.format(s.median()),
                    Numbers.format(s.p95()), Integer.toString(s.max())));
            if (cut) {
                int over = s.longerThan(l.maxLength());
                row.add(String.format(Locale.ROOT, "%d (%.1f%%)", over, 100.0 * over / s.measured()));
            }
            rows.add(row.toArray(String[]::new));
        }
        return rows;
    }

    /** What the reader must know to read the length numbers right. */
    static List<String> lengthNotes(TokenLengths l) {
        List<String> notes = new ArrayList<>();
        if (l.note() != null) {
            notes.add("Token lengths were not measured: " + l.note());
        }
        notes.add("Lengths are tokens as training encodes a record — BOS, prompt, completion, EOS when "
                + "data.add_eos — before truncation; percentiles interpolate linearly (numpy's default).");
        for (TokenLengths.Split s : l.splits()) {
            if (s.measured() < s.records()) {
                notes.add(String.format(Locale.ROOT, "Only the first %d of %d %s records were measured (the report "
                        + "measures at most %d per split).", s.measured(), s.records(), s.name(), l.cap()));
            }
        }
        return notes;
    }

    /** Sample phases in run order, "before" ahead of "after" whatever order the rows came in. */
    static List<String> samplePhases(RunReport r) {
        Set<String> seen = new LinkedHashSet<>();
        r.samples().forEach(s -> seen.addAll(s.generations().keySet()));
        List<String> out = new ArrayList<>();
        for (String p : List.of("before", "after")) {
            if (seen.remove(p)) {
                out.add(p);
            }
        }
        out.addAll(seen);
        return out;
    }
}
