package dev.longtune.api.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A YAML node that selects a plugin: {@code type: <name>} plus that plugin's options, written inline.
 *
 * <pre>
 * context:
 *   type: linear
 *   factor: 2.0
 * </pre>
 *
 * @param type the factory name (may be null when the section allows {@code auto})
 * @param options every other key of the node, bound later to the factory's options record
 */
public record PluginSpec(String type, ObjectNode options) {

    @JsonCreator
    public static PluginSpec fromNode(ObjectNode node) {
        ObjectNode options = node.deepCopy();
        var t = options.remove("type");
        return new PluginSpec(t == null || t.isNull() ? null : t.asText(), options);
    }

    public static PluginSpec of(String type) {
        return new PluginSpec(type, JsonNodeFactory.instance.objectNode());
    }

    /** The node as written (type first), e.g. for the run manifest. */
    @JsonValue
    public ObjectNode toNode() {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        if (type != null) {
            n.put("type", type);
        }
        n.setAll(options);
        return n;
    }
}
