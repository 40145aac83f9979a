package dev.longtune.eval;

import dev.longtune.eval.perplexity.PerplexityEvaluator;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Where an evaluator's files go ({@code eval/<evaluator>-<phase>.<ext>}) and how its tables are written. */
public final class EvalFiles {

    private EvalFiles() {}

    /** {@code eval/<evaluator>-<phase>.<extension>}, relative to the run's output folder (as results list it). */
    public static Path relative(String evaluator, String phase, String extension) {
        return Path.of("eval", evaluator + "-" + PerplexityEvaluator.safeFileName(phase) + "." + extension);
    }

    /** {@code eval/<evaluator>-<phase>-<suffix>.<extension>}: a second file of the same evaluation. */
    public static Path relative(String evaluator, String phase, String suffix, String extension) {
        return Path.of("eval", evaluator + "-" + PerplexityEvaluator.safeFileName(phase) + "-" + suffix + "."
                + extension);
    }

    /**
     * Writes a CSV (RFC 4180: fields with a comma, quote or line break are quoted, quotes doubled) with a header row.
     * Cells are written with {@link String#valueOf}, so callers format numbers themselves.
     */
    public static void writeCsv(Path file, List<String> header, List<List<?>> rows) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            writeRow(w, header);
            for (List<?> row : rows) {
                writeRow(w, row);
            }
        }
    }

    private static void writeRow(Writer w, List<?> cells) throws IOException {
        for (int i = 0; i < cells.size(); i++) {
            if (i > 0) {
                w.write(',');
            }
            w.write(escape(String.valueOf(cells.get(i))));
        }
        w.write('\n');
    }

    static String escape(String cell) {
        if (cell.indexOf(',') < 0 && cell.indexOf('"') < 0 && cell.indexOf('\n') < 0 && cell.indexOf('\r') < 0) {
            return cell;
        }
        return '"' + cell.replace("\"", "\"\"") + '"';
    }
}
