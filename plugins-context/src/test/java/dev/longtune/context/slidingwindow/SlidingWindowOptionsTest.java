package dev.longtune.context.slidingwindow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.longtune.context.Bind;
import org.junit.jupiter.api.Test;

class SlidingWindowOptionsTest {

    @Test
    void bindsFromYaml() {
        assertEquals(SlidingWindowOptions.ofWindow(256), Bind.yaml(SlidingWindowOptions.class,
                "type: sliding_window\nwindow: 256\n"));
        assertEquals(new SlidingWindowOptions(256, 4096), Bind.yaml(SlidingWindowOptions.class,
                "window: 256\nmax_position_embeddings: 4096\n"));
    }

    @Test
    void requiresAPositiveWindow() {
        assertTrue(Bind.yamlError(SlidingWindowOptions.class, "max_position_embeddings: 4096\n")
                .contains("'window' is required"));
        assertTrue(Bind.yamlError(SlidingWindowOptions.class, "window: 0\n").contains("'window' must be at least 1"));
    }

    @Test
    void rejectsUnknownKeysWithASuggestion() {
        String m = Bind.yamlError(SlidingWindowOptions.class, "windw: 256\n");
        assertTrue(m.contains("unknown key 'windw'") && m.contains("did you mean 'window'"), m);
        String rope = Bind.jsonError(SlidingWindowOptions.class, "{\"rope_type\": \"default\", \"window\": 4}");
        assertTrue(rope.contains("unknown key 'rope_type'"), "not a rope_scaling type: " + rope);
    }
}
