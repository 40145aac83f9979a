package dev.longtune.api.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The {@code model:} section.
 *
 * <pre>
 * model:
 *   path: models/stories260K   # Hugging Face checkpoint folder, relative to the config file
 *   type: auto                 # architecture plugin; auto = from config.json's model_type
 *   dtype: auto                # auto = float32 on CPU, float16 on GPU
 *   # any other key goes to the architecture's options record
 * </pre>
 */
public record ModelSection(String path, String type, String dtype, ObjectNode options) {

    public static final String AUTO = "auto";

    @JsonCreator
    public static ModelSection fromNode(ObjectNode node) {
        ObjectNode options = node.deepCopy();
        return new ModelSection(text(options.remove("path")), text(options.remove("type")),
                text(options.remove("dtype")), options);
    }

    public ModelSection {
        type = type == null ? AUTO : type;
        dtype = dtype == null ? AUTO : dtype;
        options = options == null ? JsonNodeFactory.instance.objectNode() : options;
    }

    @JsonValue
    public ObjectNode toNode() {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        n.put("path", path);
        n.put("type", type);
        n.put("dtype", dtype);
        n.setAll(options);
        return n;
    }

    private static String text(JsonNode n) {
        return n == null || n.isNull() ? null : n.asText();
    }
}
