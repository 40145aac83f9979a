package dev.longtune.eval.rouge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.longtune.api.LongtuneException;
import dev.longtune.api.config.OptionsBinder;
import dev.longtune.api.config.PluginSpec;
import org.junit.jupiter.api.Test;

class RougeOptionsTest {

    private static RougeOptions bind(String yaml) throws Exception {
        ObjectNode options = PluginSpec.fromNode((ObjectNode) new YAMLMapper().readTree(yaml)).options();
        return OptionsBinder.bind(options, RougeOptions.class, "evaluator 'rouge'", "evaluation[0]",
                OptionsBinder.NO_LINES);
    }

    @Test
    void everyKeyHasADefault() throws Exception {
        assertEquals(new RougeOptions(0, false, 1000), bind("type: rouge\n"));
    }

    @Test
    void bindsTheKeys() throws Exception {
        assertEquals(new RougeOptions(50, true, 0),
                bind("type: rouge\nmax_records: 50\nuse_stemmer: true\nbootstrap: 0\n"));
    }

    @Test
    void rejectsBadValues() {
        assertTrue(assertThrows(LongtuneException.class, () -> bind("max_records: -1\n")).getMessage()
                .contains("max_records"));
        assertTrue(assertThrows(LongtuneException.class, () -> bind("bootstrap: -5\n")).getMessage()
                .contains("bootstrap"));
        assertTrue(assertThrows(LongtuneException.class, () -> bind("use_stemming: true\n")).getMessage()
                .contains("did you mean 'use_stemmer'"));
    }
}
