package dev.longtune.context.linear;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.longtune.api.LongtuneException;
import dev.longtune.api.config.OptionsBinder;
import dev.longtune.api.config.PluginSpec;
import org.junit.jupiter.api.Test;

/** Binding through the host's strict binder, from the two places the options come from. */
class LinearScalingOptionsTest {

    private static LinearScalingOptions bind(ObjectNode node) {
        return OptionsBinder.bind(node, LinearScalingOptions.class, "context extension 'linear'", "context",
                OptionsBinder.NO_LINES);
    }

    /** The experiment YAML's {@code context:} node, with {@code type} removed by the host as it does. */
    private static ObjectNode yamlOptions(String yaml) throws JsonProcessingException {
        return PluginSpec.fromNode((ObjectNode) new YAMLMapper().readTree(yaml)).options();
    }

    private static ObjectNode json(String json) throws JsonProcessingException {
        return (ObjectNode) new ObjectMapper().readTree(json);
    }

    @Test
    void bindsFromAnExperimentYaml() throws Exception {
        LinearScalingOptions o = bind(yamlOptions("type: linear\nfactor: 4\n"));
        assertEquals(4.0, o.factor());
        assertNull(o.originalMaxPositionEmbeddings());

        LinearScalingOptions withOriginal = bind(yamlOptions(
                "type: linear\nfactor: 2.5\noriginal_max_position_embeddings: 2048\n"));
        assertEquals(2.5, withOriginal.factor());
        assertEquals(2048, withOriginal.originalMaxPositionEmbeddings());
    }

    @Test
    void bindsStraightFromAConfigJsonRopeScalingNode() throws Exception {
        assertEquals(8.0, bind(json("{\"type\": \"linear\", \"factor\": 8.0}")).factor(), "old transformers");
        assertEquals(8.0, bind(json("{\"rope_type\": \"linear\", \"factor\": 8.0}")).factor(), "new transformers");
        assertEquals(2.0, bind(json("{\"rope_type\": \"linear\", \"type\": \"linear\", \"factor\": 2}")).factor());
    }

    @Test
    void rejectsAMisspeltKeyAndSuggestsTheRightOne() throws Exception {
        LongtuneException e = assertThrows(LongtuneException.class, () -> bind(yamlOptions("facter: 4\n")));
        assertTrue(e.getMessage().contains("unknown key 'facter'"), e.getMessage());
        assertTrue(e.getMessage().contains("did you mean 'factor'"), e.getMessage());
        assertTrue(e.getMessage().contains("valid keys: factor, original_max_position_embeddings"), e.getMessage());
    }

    @Test
    void stillRejectsUnknownKeysInAConfigJsonNode() {
        LongtuneException e = assertThrows(LongtuneException.class,
                () -> bind(json("{\"rope_type\": \"linear\", \"factor\": 2, \"low_freq_factor\": 1}")));
        assertTrue(e.getMessage().contains("unknown key 'low_freq_factor'"), e.getMessage());
    }

    @Test
    void rejectsAFactorBelowOne() throws Exception {
        LongtuneException e = assertThrows(LongtuneException.class, () -> bind(yamlOptions("factor: 0.5\n")));
        assertTrue(e.getMessage().contains("'factor' must be a finite number >= 1"), e.getMessage());
    }

    @Test
    void requiresAFactor() throws Exception {
        LongtuneException e = assertThrows(LongtuneException.class,
                () -> bind(yamlOptions("original_max_position_embeddings: 2048\n")));
        assertTrue(e.getMessage().contains("'factor' is required"), e.getMessage());
    }

    @Test
    void acceptsFactorOneAsAControl() throws Exception {
        assertEquals(1.0, bind(yamlOptions("factor: 1\n")).factor());
    }
}
