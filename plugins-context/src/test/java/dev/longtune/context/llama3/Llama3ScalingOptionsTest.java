package dev.longtune.context.llama3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.longtune.context.Bind;
import org.junit.jupiter.api.Test;

class Llama3ScalingOptionsTest {

    @Test
    void bindsTheLlama31ConfigNodeAndYaml() {
        assertEquals(Llama3ScalingOptions.llama31(), Bind.json(Llama3ScalingOptions.class,
                "{\"factor\": 8.0, \"low_freq_factor\": 1.0, \"high_freq_factor\": 4.0,"
                        + " \"original_max_position_embeddings\": 8192, \"rope_type\": \"llama3\"}"));
        assertEquals(Llama3ScalingOptions.llama31(), Bind.yaml(Llama3ScalingOptions.class,
                "type: llama3\nfactor: 8\nlow_freq_factor: 1\nhigh_freq_factor: 4\n"
                        + "original_max_position_embeddings: 8192\n"));
    }

    @Test
    void requiresEveryKey() {
        assertTrue(Bind.yamlError(Llama3ScalingOptions.class, "factor: 8\nlow_freq_factor: 1\nhigh_freq_factor: 4\n")
                .contains("'original_max_position_embeddings' is required"));
        assertTrue(Bind.yamlError(Llama3ScalingOptions.class,
                "factor: 8\nlow_freq_factor: 1\noriginal_max_position_embeddings: 8192\n")
                .contains("'high_freq_factor' is required"));
        assertTrue(Bind.yamlError(Llama3ScalingOptions.class,
                "factor: 8\nlow_freq_factor: 4\nhigh_freq_factor: 1\noriginal_max_position_embeddings: 8192\n")
                .contains("must be greater than 'low_freq_factor'"));
    }

    @Test
    void rejectsUnknownKeysWithASuggestion() {
        String m = Bind.yamlError(Llama3ScalingOptions.class, "factor: 8\nlow_frequency_factor: 1\n");
        assertTrue(m.contains("unknown key 'low_frequency_factor'") && m.contains("did you mean 'low_freq_factor'"),
                m);
    }
}
