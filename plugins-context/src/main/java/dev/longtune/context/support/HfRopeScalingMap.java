package dev.longtune.context.support;

import java.util.LinkedHashMap;
import java.util.Map;

/** Builds the {@code rope_scaling} object of an exported {@code config.json}. */
public final class HfRopeScalingMap {

    private HfRopeScalingMap() {}

    /**
     * A map holding the type under both spellings, like {@code linear} writes it: transformers >= 4.45 reads
     * {@code rope_type}, older releases only {@code type}, and newer ones fall back from one to the other. Insertion
     * order is kept so the exported JSON reads type first.
     */
    public static Map<String, Object> ofType(String ropeType) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("rope_type", ropeType);
        out.put("type", ropeType);
        return out;
    }

    /** Puts {@code value} unless it is null: optional keys are written only when the options set them. */
    public static void putIfSet(Map<String, Object> map, String key, Object value) {
        if (value != null) {
            map.put(key, value);
        }
    }
}
