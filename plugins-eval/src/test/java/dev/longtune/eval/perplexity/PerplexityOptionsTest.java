package dev.longtune.eval.perplexity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.longtune.api.LongtuneException;
import dev.longtune.api.config.OptionsBinder;
import dev.longtune.api.config.PluginSpec;
import dev.longtune.eval.perplexity.PerplexityOptions.Join;
import org.junit.jupiter.api.Test;

class PerplexityOptionsTest {

    private static PerplexityOptions bind(String yaml) throws Exception {
        ObjectNode options = PluginSpec.fromNode((ObjectNode) new YAMLMapper().readTree(yaml)).options();
        return OptionsBinder.bind(options, PerplexityOptions.class, "evaluator 'perplexity'", "evaluation[0]",
                OptionsBinder.NO_LINES);
    }

    @Test
    void everyKeyHasADefault() throws Exception {
        assertEquals(new PerplexityOptions(0, 0, 0, Join.CONCAT, PerplexityOptions.Score.COMPLETION),
                bind("type: perplexity\n"));
    }

    @Test
    void bindsSnakeCaseKeys() throws Exception {
        assertEquals(new PerplexityOptions(1024, 256, 100000, Join.SEPARATE, PerplexityOptions.Score.FULL),
                bind("type: perplexity\nmax_length: 1024\nstride: 256\nmax_tokens: 100000\njoin: separate\n"
                        + "score: full\n"));
    }

    @Test
    void rejectsAMisspeltKeyAndSuggestsTheRightOne() {
        LongtuneException e = assertThrows(LongtuneException.class, () -> bind("strid: 128\n"));
        assertTrue(e.getMessage().contains("did you mean 'stride'"), e.getMessage());
    }

    @Test
    void rejectsAStrideLongerThanTheWindow() {
        LongtuneException e = assertThrows(LongtuneException.class, () -> bind("max_length: 128\nstride: 256\n"));
        assertTrue(e.getMessage().contains("must not exceed 'max_length'"), e.getMessage());
    }

    @Test
    void rejectsAnUnknownJoin() {
        assertThrows(LongtuneException.class, () -> bind("join: newline\n"));
    }
}
