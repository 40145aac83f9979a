package dev.longtune.api.data;

import dev.longtune.api.DataRecord;
import java.util.ArrayList;
import java.util.List;

/** Small helpers shared by the record readers of this package. */
final class RecordFields {

    private RecordFields() {}

    /** The record's field names, for error messages. */
    static List<String> fieldNames(DataRecord record) {
        List<String> names = new ArrayList<>();
        record.fields().fieldNames().forEachRemaining(names::add);
        return names;
    }
}
