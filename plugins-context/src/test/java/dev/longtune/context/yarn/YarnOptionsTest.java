package dev.longtune.context.yarn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.longtune.context.Bind;
import org.junit.jupiter.api.Test;

class YarnOptionsTest {

    @Test
    void fillsTransformersDefaults() {
        YarnOptions o = Bind.yaml(YarnOptions.class, "type: yarn\nfactor: 4\n");
        assertEquals(new YarnOptions(4.0, null, 32.0, 1.0, true, null, null, null), o);
    }

    @Test
    void bindsAQwenStyleRopeScalingNode() {
        YarnOptions o = Bind.json(YarnOptions.class, "{\"factor\": 4.0, \"original_max_position_embeddings\": 32768,"
                + " \"type\": \"yarn\"}");
        assertEquals(4.0, o.factor());
        assertEquals(32768, o.originalMaxPositionEmbeddings());
    }

    @Test
    void bindsADeepSeekStyleRopeScalingNodeWithEveryKey() {
        YarnOptions o = Bind.json(YarnOptions.class, "{\"beta_fast\": 32, \"beta_slow\": 1, \"factor\": 40,"
                + " \"mscale\": 1.0, \"mscale_all_dim\": 1.0, \"original_max_position_embeddings\": 4096,"
                + " \"rope_type\": \"yarn\", \"truncate\": false, \"attention_factor\": 1.1}");
        assertEquals(new YarnOptions(40.0, 4096, 32.0, 1.0, false, 1.1, 1.0, 1.0), o);
    }

    @Test
    void rejectsUnknownKeysWithASuggestion() {
        String m = Bind.yamlError(YarnOptions.class, "factor: 4\nbeta_fats: 16\n");
        assertTrue(m.contains("unknown key 'beta_fats'") && m.contains("did you mean 'beta_fast'"), m);
        String hf = Bind.jsonError(YarnOptions.class, "{\"rope_type\": \"yarn\", \"factor\": 4, \"mscale_all_dims\": 1}");
        assertTrue(hf.contains("unknown key 'mscale_all_dims'") && hf.contains("did you mean 'mscale_all_dim'"), hf);
    }

    @Test
    void validatesValues() {
        assertTrue(Bind.yamlError(YarnOptions.class, "beta_fast: 32\n").contains("'factor' is required"));
        assertTrue(Bind.yamlError(YarnOptions.class, "factor: 4\nbeta_fast: 1\nbeta_slow: 2\n")
                .contains("'beta_fast' (1.0) must not be below 'beta_slow' (2.0)"));
        assertTrue(Bind.yamlError(YarnOptions.class, "factor: 4\nattention_factor: 0\n")
                .contains("'attention_factor' must be a finite number > 0"));
    }
}
