package dev.longtune.context.dynamic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.longtune.context.Bind;
import org.junit.jupiter.api.Test;

class DynamicNtkOptionsTest {

    @Test
    void bindsFromYamlAndFromARopeScalingNode() {
        assertEquals(DynamicNtkOptions.ofFactor(2), Bind.yaml(DynamicNtkOptions.class, "type: dynamic\nfactor: 2\n"));
        assertEquals(DynamicNtkOptions.ofFactor(4), Bind.json(DynamicNtkOptions.class,
                "{\"type\": \"dynamic\", \"factor\": 4.0}"), "old transformers spelling");
        assertEquals(new DynamicNtkOptions(4.0, 2048), Bind.json(DynamicNtkOptions.class,
                "{\"rope_type\": \"dynamic\", \"factor\": 4.0, \"original_max_position_embeddings\": 2048}"));
    }

    @Test
    void rejectsUnknownKeysWithASuggestion() {
        String m = Bind.yamlError(DynamicNtkOptions.class, "factor: 2\noriginal_max_positions: 512\n");
        assertTrue(m.contains("unknown key 'original_max_positions'")
                && m.contains("did you mean 'original_max_position_embeddings'"), m);
    }

    @Test
    void requiresAFactor() {
        assertTrue(Bind.jsonError(DynamicNtkOptions.class, "{\"rope_type\": \"dynamic\"}")
                .contains("'factor' is required"));
    }
}
