package dev.longtune.host.run;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.longtune.api.LongtuneException;
import dev.longtune.api.RunContext;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Metrics as JSON Lines, one file per stream under {@code metrics/}: {@code metrics/train.jsonl},
 * {@code metrics/eval.jsonl}. Each row is flushed at once so a killed run keeps everything it logged. Rows are also
 * kept in memory for the run's report.
 */
final class JsonlMetrics implements RunContext.MetricsSink, AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private final Map<String, BufferedWriter> writers = new HashMap<>();
    private final Map<String, List<Map<String, Object>>> rows = new LinkedHashMap<>();

    JsonlMetrics(Path dir) {
        this.dir = dir;
    }

    @Override
    public synchronized void record(String stream, Map<String, ?> row) {
        if (!stream.matches("[A-Za-z0-9_\\-]+")) {
            throw new LongtuneException("bad metrics stream name '" + stream + "'");
        }
        try {
            BufferedWriter w = writers.get(stream);
            if (w == null) {
                Files.createDirectories(dir);
                w = Files.newBufferedWriter(dir.resolve(stream + ".jsonl"), StandardCharsets.UTF_8,
                        StandardOpenOption.CREATE, StandardOpenOption.APPEND);
                writers.put(stream, w);
            }
            w.write(JSON.writeValueAsString(row));
            w.newLine();
            w.flush();
            rows.computeIfAbsent(stream, k -> new ArrayList<>()).add(new LinkedHashMap<>(row));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write metrics to " + dir, e);
        }
    }

    synchronized List<Map<String, Object>> rows(String stream) {
        return List.copyOf(rows.getOrDefault(stream, List.of()));
    }

    @Override
    public synchronized void close() {
        for (BufferedWriter w : writers.values()) {
            try {
                w.close();
            } catch (IOException ignored) {
                // Every row was flushed when written; nothing is lost.
            }
        }
        writers.clear();
    }
}
