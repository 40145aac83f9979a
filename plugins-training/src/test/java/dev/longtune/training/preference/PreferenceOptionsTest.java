package dev.longtune.training.preference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.longtune.api.LongtuneException;
import dev.longtune.api.config.OptionsBinder;
import dev.longtune.api.config.PluginSpec;
import org.junit.jupiter.api.Test;

/** Options bind from YAML with TRL's defaults, and nonsense pairings fail when bound (validate time). */
class PreferenceOptionsTest {

    private static <O> O bind(String yaml, Class<O> type) throws Exception {
        ObjectNode options = PluginSpec.fromNode((ObjectNode) new YAMLMapper().readTree(yaml)).options();
        return OptionsBinder.bind(options, type, "method", "method", OptionsBinder.NO_LINES);
    }

    @Test
    void defaultsAreTrls() throws Exception {
        DpoOptions dpo = bind("type: dpo\n", DpoOptions.class);
        assertEquals(0.1, dpo.beta());
        assertEquals("sigmoid", dpo.lossType());
        assertEquals(0.0, dpo.labelSmoothing());
        assertEquals("precompute", dpo.reference());
        assertEquals(null, dpo.trains());
        assertEquals(0.1, bind("type: orpo\n", OrpoOptions.class).beta());
        SimpoOptions simpo = bind("type: simpo\n", SimpoOptions.class);
        assertEquals(0.1, simpo.beta());
        assertEquals(0.5, simpo.gamma());
        assertEquals(1.0, simpo.cpoAlpha());
        KtoOptions kto = bind("type: kto\n", KtoOptions.class);
        assertEquals(1.0, kto.desirableWeight());
        assertEquals(1.0, kto.undesirableWeight());
    }

    @Test
    void adaptersDisabledWithAStrategyThatTrainsTheBaseFailsAtBindTime() {
        for (String yaml : new String[] {"type: dpo\nreference: adapters_disabled\n",
            "type: dpo\nreference: adapters_disabled\ntrains: full\n",
            "type: kto\nreference: adapters_disabled\ntrains: {type: full, freeze_layers: 2}\n"}) {
            Class<?> type = yaml.contains("kto") ? KtoOptions.class : DpoOptions.class;
            LongtuneException e = assertThrows(LongtuneException.class, () -> bind(yaml, type));
            assertTrue(e.getMessage().contains("method.reference") && e.getMessage().contains("method.trains"),
                    e.getMessage());
            assertTrue(e.getMessage().contains("'full'"), e.getMessage());
        }
    }

    @Test
    void badValuesNameTheirKey() {
        assertMessage("type: dpo\nloss_type: sigmod\n", DpoOptions.class, "method.loss_type");
        assertMessage("type: dpo\nlabel_smoothing: 0.1\n", DpoOptions.class, "cdpo");
        assertMessage("type: dpo\nreference: ref_model\n", DpoOptions.class, "method.reference");
        assertMessage("type: orpo\ntrains: {type: loar}\n", OrpoOptions.class, "method.trains");
        assertMessage("type: simpo\ntrains: {type: full, freeze_layer: 2}\n", SimpoOptions.class, "freeze_layers");
        assertMessage("type: kto\nbeta: -1\n", KtoOptions.class, "method.beta");
    }

    private static void assertMessage(String yaml, Class<?> type, String fragment) {
        LongtuneException e = assertThrows(LongtuneException.class, () -> bind(yaml, type));
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
    }
}
