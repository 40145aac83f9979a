package dev.longtune.eval.needle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.longtune.api.LongtuneException;
import dev.longtune.api.config.OptionsBinder;
import dev.longtune.api.config.PluginSpec;
import dev.longtune.eval.needle.NeedleOptions.Template;
import java.util.List;
import org.junit.jupiter.api.Test;

class NeedleOptionsTest {

    private static NeedleOptions bind(String yaml) throws Exception {
        ObjectNode options = PluginSpec.fromNode((ObjectNode) new YAMLMapper().readTree(yaml)).options();
        return OptionsBinder.bind(options, NeedleOptions.class, "evaluator 'needle'", "evaluation[0]",
                OptionsBinder.NO_LINES);
    }

    @Test
    void everyKeyHasTheProtocolsDefault() throws Exception {
        NeedleOptions o = bind("type: needle\n");
        assertEquals(NeedleOptions.defaults(), o);
        assertEquals("\nThe best thing to do in San Francisco is eat a sandwich and sit in Dolores Park on a sunny "
                + "day.\n", o.needle());
        assertEquals("What is the best thing to do in San Francisco?", o.question());
        assertEquals(List.of(0.0, 25.0, 50.0, 75.0, 100.0), o.depths());
        assertEquals(200, o.finalBuffer());
        assertEquals(Template.PLAIN, o.template());
        assertEquals(null, o.haystack());
    }

    @Test
    void bindsTheKeys() throws Exception {
        NeedleOptions o = bind("lengths: [1000, 2000]\ndepths: [0, 12.5, 100]\nhaystack: /data/pg\nmax_new_tokens: 20\n"
                + "final_buffer: 150\ntemplate: alpaca\nneedle: \"The magic number is 42.\"\nquestion: \"What is the "
                + "magic number?\"\nkey_phrases: [\"42\"]\n");
        assertEquals(new NeedleOptions(List.of(1000, 2000), List.of(0.0, 12.5, 100.0), "/data/pg",
                "The magic number is 42.", "What is the magic number?", List.of("42"), 20, 150, Template.ALPACA), o);
    }

    @Test
    void rejectsInconsistentOptions() {
        assertTrue(assertThrows(LongtuneException.class, () -> bind("needle: \"The number is 42.\"\n")).getMessage()
                .contains("key_phrases"));
        assertTrue(assertThrows(LongtuneException.class, () -> bind("key_phrases: [\"the moon\"]\n")).getMessage()
                .contains("does not occur in the needle"));
        assertTrue(assertThrows(LongtuneException.class, () -> bind("depths: [120]\n")).getMessage()
                .contains("[0, 100]"));
        assertTrue(assertThrows(LongtuneException.class, () -> bind("depth: [50]\n")).getMessage()
                .contains("did you mean 'depths'"));
    }
}
