package dev.longtune.api;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;

/**
 * One record of a dataset file, as read: the object itself plus where it came from, so every skipped, truncated or
 * failing record can be named to the user by file and line.
 *
 * @param source file the record came from
 * @param line 1-based line (JSONL) or element index + 1 (JSON array)
 * @param fields the JSON object
 */
public record DataRecord(String source, long line, JsonNode fields) {

    public DataRecord {
        Objects.requireNonNull(fields, "fields");
    }

    /** {@code source:line}, for messages. */
    public String where() {
        return source + ":" + line;
    }

    /** A string field, or {@code null} when absent. */
    public String text(String field) {
        JsonNode n = fields.get(field);
        return n == null || n.isNull() ? null : n.asText();
    }
}
