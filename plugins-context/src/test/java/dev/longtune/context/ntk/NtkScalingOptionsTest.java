package dev.longtune.context.ntk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.longtune.context.Bind;
import org.junit.jupiter.api.Test;

class NtkScalingOptionsTest {

    @Test
    void bindsFromYamlAndFromARopeScalingNode() {
        NtkScalingOptions yaml = Bind.yaml(NtkScalingOptions.class, "type: ntk\nfactor: 4\n");
        assertEquals(4.0, yaml.factor());
        assertNull(yaml.originalMaxPositionEmbeddings());
        NtkScalingOptions hf = Bind.json(NtkScalingOptions.class,
                "{\"rope_type\": \"ntk\", \"type\": \"ntk\", \"factor\": 2.0, \"original_max_position_embeddings\": 512}");
        assertEquals(new NtkScalingOptions(2.0, 512), hf);
    }

    @Test
    void rejectsUnknownKeysWithASuggestion() {
        String m = Bind.yamlError(NtkScalingOptions.class, "factr: 4\n");
        assertTrue(m.contains("unknown key 'factr'") && m.contains("did you mean 'factor'"), m);
        String hf = Bind.jsonError(NtkScalingOptions.class, "{\"rope_type\": \"ntk\", \"factor\": 2, \"alpha\": 2}");
        assertTrue(hf.contains("unknown key 'alpha'"), hf);
    }

    @Test
    void requiresAFactorOfAtLeastOne() {
        assertTrue(Bind.yamlError(NtkScalingOptions.class, "original_max_position_embeddings: 512\n")
                .contains("'factor' is required"));
        assertTrue(Bind.yamlError(NtkScalingOptions.class, "factor: 0.5\n")
                .contains("'factor' must be a finite number >= 1"));
    }
}
