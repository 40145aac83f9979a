package dev.longtune.context.longrope;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.longtune.context.Bind;
import java.util.List;
import org.junit.jupiter.api.Test;

class LongRopeOptionsTest {

    @Test
    void bindsAPhi3StyleNodeAndYaml() {
        LongRopeOptions hf = Bind.json(LongRopeOptions.class, "{\"type\": \"longrope\", \"short_factor\": [1, 1.5],"
                + " \"long_factor\": [2, 4.5], \"original_max_position_embeddings\": 4096}");
        assertEquals(new LongRopeOptions(List.of(1.0, 1.5), List.of(2.0, 4.5), null, null, 4096), hf);
        LongRopeOptions yaml = Bind.yaml(LongRopeOptions.class,
                "type: longrope\nshort_factor: [1, 1]\nlong_factor: [2, 4]\nfactor: 4\nattention_factor: 1.2\n");
        assertEquals(new LongRopeOptions(List.of(1.0, 1.0), List.of(2.0, 4.0), 4.0, 1.2, null), yaml);
    }

    @Test
    void validatesTheLists() {
        assertTrue(Bind.yamlError(LongRopeOptions.class, "long_factor: [1]\n").contains("'short_factor' is required"));
        assertTrue(Bind.yamlError(LongRopeOptions.class, "short_factor: [1, 2]\nlong_factor: [1]\n")
                .contains("'short_factor' has 2 entries and 'long_factor' 1"));
        assertTrue(Bind.yamlError(LongRopeOptions.class, "short_factor: [1, 0]\nlong_factor: [1, 1]\n")
                .contains("'short_factor[1]' must be a finite number > 0"));
    }

    @Test
    void rejectsUnknownKeysWithASuggestion() {
        String m = Bind.yamlError(LongRopeOptions.class, "short_factors: [1]\nlong_factor: [1]\n");
        assertTrue(m.contains("unknown key 'short_factors'") && m.contains("did you mean 'short_factor'"), m);
    }
}
