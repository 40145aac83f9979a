package dev.longtune.eval.passkey;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.longtune.api.LongtuneException;
import dev.longtune.api.config.OptionsBinder;
import dev.longtune.api.config.PluginSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

class PasskeyOptionsTest {

    private static PasskeyOptions bind(String yaml) throws Exception {
        ObjectNode options = PluginSpec.fromNode((ObjectNode) new YAMLMapper().readTree(yaml)).options();
        return OptionsBinder.bind(options, PasskeyOptions.class, "evaluator 'passkey'", "evaluation[0]",
                OptionsBinder.NO_LINES);
    }

    @Test
    void everyKeyHasADefault() throws Exception {
        assertEquals(new PasskeyOptions(List.of(), 10, 0L), bind("type: passkey\n"));
    }

    @Test
    void bindsTheKeys() throws Exception {
        assertEquals(new PasskeyOptions(List.of(1024, 2048), 5, 3L),
                bind("type: passkey\nlengths: [1024, 2048]\ntrials: 5\nseed: 3\n"));
    }

    @Test
    void rejectsBadValues() {
        assertTrue(assertThrows(LongtuneException.class, () -> bind("trials: 0\n")).getMessage().contains("trials"));
        assertTrue(assertThrows(LongtuneException.class, () -> bind("lengths: [0]\n")).getMessage()
                .contains("lengths"));
        assertTrue(assertThrows(LongtuneException.class, () -> bind("length: [128]\n")).getMessage()
                .contains("did you mean 'lengths'"));
    }
}
