package dev.longtune.eval.bylength;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.longtune.api.LongtuneException;
import dev.longtune.api.config.OptionsBinder;
import dev.longtune.api.config.PluginSpec;
import dev.longtune.eval.perplexity.PerplexityOptions.Join;
import dev.longtune.eval.perplexity.PerplexityOptions.Score;
import java.util.List;
import org.junit.jupiter.api.Test;

class PerplexityByLengthOptionsTest {

    private static PerplexityByLengthOptions bind(String yaml) throws Exception {
        ObjectNode options = PluginSpec.fromNode((ObjectNode) new YAMLMapper().readTree(yaml)).options();
        return OptionsBinder.bind(options, PerplexityByLengthOptions.class, "evaluator 'perplexity_by_length'",
                "evaluation[0]", OptionsBinder.NO_LINES);
    }

    @Test
    void everyKeyHasADefault() throws Exception {
        assertEquals(new PerplexityByLengthOptions(List.of(), 0, Join.CONCAT, Score.COMPLETION, false),
                bind("type: perplexity_by_length\n"));
    }

    @Test
    void bindsTheKeys() throws Exception {
        assertEquals(new PerplexityByLengthOptions(List.of(1024, 4096), 256, Join.SEPARATE, Score.FULL, true),
                bind("lengths: [1024, 4096]\nstride: 256\njoin: separate\nscore: full\nlog_y: true\n"));
    }

    @Test
    void rejectsAStrideLongerThanALength() {
        LongtuneException e = assertThrows(LongtuneException.class, () -> bind("lengths: [128, 512]\nstride: 256\n"));
        assertTrue(e.getMessage().contains("must not exceed a length (128)"), e.getMessage());
    }
}
