package dev.longtune.eval.bleu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.longtune.api.LongtuneException;
import dev.longtune.api.config.OptionsBinder;
import dev.longtune.api.config.PluginSpec;
import org.junit.jupiter.api.Test;

class BleuOptionsTest {

    private static BleuOptions bind(String yaml) throws Exception {
        ObjectNode options = PluginSpec.fromNode((ObjectNode) new YAMLMapper().readTree(yaml)).options();
        return OptionsBinder.bind(options, BleuOptions.class, "evaluator 'bleu'", "evaluation[0]",
                OptionsBinder.NO_LINES);
    }

    @Test
    void defaultsAreSacrebleus() throws Exception {
        BleuOptions o = bind("type: bleu\n");
        assertEquals(new BleuOptions(0, BleuTokenizer.THIRTEEN_A, false, Smoothing.EXP, null), o);
        assertEquals(Bleu.corpusDefaults(), o.bleu());
    }

    @Test
    void bindsTheKeysWithSacrebleusNames() throws Exception {
        assertEquals(new BleuOptions(10, BleuTokenizer.NONE, true, Smoothing.ADD_K, 2.0),
                bind("type: bleu\nmax_records: 10\ntokenize: none\nlowercase: true\nsmooth_method: add-k\n"
                        + "smooth_value: 2\n"));
        assertEquals(Smoothing.FLOOR, bind("smooth_method: floor\n").smoothMethod());
        assertEquals(BleuTokenizer.THIRTEEN_A, bind("tokenize: 13a\n").tokenize());
    }

    @Test
    void rejectsBadValues() {
        assertTrue(assertThrows(LongtuneException.class, () -> bind("smooth_method: exp\nsmooth_value: 0.5\n"))
                .getMessage().contains("smooth_value"));
        assertTrue(assertThrows(LongtuneException.class, () -> bind("smooth_method: floor\nsmooth_value: -1\n"))
                .getMessage().contains("smooth_value"));
        assertTrue(assertThrows(LongtuneException.class, () -> bind("smooth_method: add_k\n")).getMessage()
                .contains("smooth_method"));
        assertTrue(assertThrows(LongtuneException.class, () -> bind("tokenize: intl\n")).getMessage()
                .contains("tokenize"));
        assertTrue(assertThrows(LongtuneException.class, () -> bind("max_records: -2\n")).getMessage()
                .contains("max_records"));
        assertTrue(assertThrows(LongtuneException.class, () -> bind("smoothing: exp\n")).getMessage()
                .contains("smoothing"));
    }
}
