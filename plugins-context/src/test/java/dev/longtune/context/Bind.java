package dev.longtune.context;

import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.longtune.api.LongtuneException;
import dev.longtune.api.config.OptionsBinder;
import dev.longtune.api.config.PluginSpec;

/** Binds options through the host's strict binder, from the two places they come from. */
public final class Bind {

    private Bind() {}

    /** The experiment YAML's {@code context:} node; the host removes {@code type} as it does in a run. */
    public static <O> O yaml(Class<O> type, String yaml) {
        return OptionsBinder.bind(yamlNode(yaml), type, "context extension", "context", OptionsBinder.NO_LINES);
    }

    /** A {@code config.json} {@code rope_scaling} node, bound as is (type / rope_type included). */
    public static <O> O json(Class<O> type, String json) {
        return OptionsBinder.bind(jsonNode(json), type, "config.json rope_scaling", "rope_scaling",
                OptionsBinder.NO_LINES);
    }

    /** The binder's message for a YAML node that must not bind. */
    public static String yamlError(Class<?> type, String yaml) {
        return assertThrows(LongtuneException.class, () -> yaml(type, yaml)).getMessage();
    }

    /** The binder's message for a rope_scaling node that must not bind. */
    public static String jsonError(Class<?> type, String json) {
        return assertThrows(LongtuneException.class, () -> json(type, json)).getMessage();
    }

    private static ObjectNode yamlNode(String yaml) {
        try {
            return PluginSpec.fromNode((ObjectNode) new YAMLMapper().readTree(yaml)).options();
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(yaml, e);
        }
    }

    private static ObjectNode jsonNode(String json) {
        try {
            return (ObjectNode) new ObjectMapper().readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(json, e);
        }
    }
}
