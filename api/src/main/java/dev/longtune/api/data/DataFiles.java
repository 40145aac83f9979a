package dev.longtune.api.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.longtune.api.DataRecord;
import dev.longtune.api.LongtuneException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/** Reads dataset files: a JSON array or JSON Lines, optionally gzipped, into records that remember their line. */
public final class DataFiles {

    private static final ObjectMapper JSON = new ObjectMapper();

    private DataFiles() {}

    /**
     * Reads every record of {@code file}. A malformed line fails with the file and line number; blank lines in JSONL
     * are skipped.
     */
    public static List<DataRecord> read(Path file) {
        String name = file.toString();
        try (InputStream raw = Files.newInputStream(file);
                InputStream in = name.endsWith(".gz") ? new GZIPInputStream(raw) : raw;
                BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            reader.mark(1 << 16);
            int first;
            do {
                first = reader.read();
            } while (first != -1 && Character.isWhitespace(first));
            reader.reset();
            return first == '[' ? readArray(reader, name) : readLines(reader, name);
        } catch (NoSuchFileException e) {
            throw new LongtuneException("data file not found: " + file.toAbsolutePath()
                    + " (paths in a config are relative to the config file)");
        } catch (IOException e) {
            throw new LongtuneException("cannot read data file " + file + ": " + e.getMessage(), e);
        }
    }

    private static List<DataRecord> readLines(BufferedReader reader, String name) throws IOException {
        List<DataRecord> out = new ArrayList<>();
        String line;
        long n = 0;
        while ((line = reader.readLine()) != null) {
            n++;
            if (line.isBlank()) {
                continue;
            }
            JsonNode node;
            try {
                node = JSON.readTree(line);
            } catch (JsonProcessingException e) {
                throw new LongtuneException(name + ":" + n + ": malformed JSON line: " + e.getOriginalMessage());
            }
            if (!node.isObject()) {
                throw new LongtuneException(name + ":" + n + ": expected a JSON object, found " + node.getNodeType());
            }
            out.add(new DataRecord(name, n, node));
        }
        return out;
    }

    private static List<DataRecord> readArray(BufferedReader reader, String name) throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(reader);
        } catch (JsonProcessingException e) {
            throw new LongtuneException(name + ":" + e.getLocation().getLineNr() + ": malformed JSON: "
                    + e.getOriginalMessage());
        }
        List<DataRecord> out = new ArrayList<>();
        for (int i = 0; i < root.size(); i++) {
            JsonNode node = root.get(i);
            if (!node.isObject()) {
                throw new LongtuneException(name + ": element " + (i + 1) + " is not a JSON object");
            }
            out.add(new DataRecord(name, i + 1, node));
        }
        return out;
    }
}
