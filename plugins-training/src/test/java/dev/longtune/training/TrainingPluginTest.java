package dev.longtune.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.longtune.api.FineTuningMethodFactory;
import dev.longtune.api.LongtuneException;
import dev.longtune.api.LongtunePlugin;
import dev.longtune.api.config.OptionsBinder;
import dev.longtune.api.config.PluginSpec;
import dev.longtune.training.sft.SftMethod;
import dev.longtune.training.sft.SftOptions;
import java.util.List;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

class TrainingPluginTest {

    private static SftOptions bind(String yaml) throws Exception {
        ObjectNode options = PluginSpec.fromNode((ObjectNode) new YAMLMapper().readTree(yaml)).options();
        return OptionsBinder.bind(options, SftOptions.class, "method 'sft'", "method", OptionsBinder.NO_LINES);
    }

    @Test
    void discoveredThroughTheServiceFileWithTheSftMethod() {
        List<LongtunePlugin> plugins = ServiceLoader.load(LongtunePlugin.class).stream()
                .map(ServiceLoader.Provider::get)
                .filter(p -> p instanceof TrainingPlugin)
                .toList();
        assertEquals(1, plugins.size());
        FineTuningMethodFactory<?> sft = plugins.get(0).fineTuningMethods().get(0);
        assertEquals("sft", sft.name());
        assertEquals(SftOptions.class, sft.optionsType());
        assertTrue(new dev.longtune.training.sft.SftMethodFactory().create(SftOptions.defaults())
                instanceof SftMethod);
    }

    @Test
    void optionsBindFromSnakeCaseWithDefaults() throws Exception {
        assertEquals(new SftOptions(true, 0), bind("type: sft\n"));
        assertEquals(new SftOptions(false, 2), bind("type: sft\ntrain_embeddings: false\nfreeze_layers: 2\n"));
        LongtuneException e = assertThrows(LongtuneException.class, () -> bind("type: sft\nfreeze_layer: 2\n"));
        assertTrue(e.getMessage().contains("freeze_layers"), e.getMessage());
        assertThrows(LongtuneException.class, () -> bind("type: sft\nfreeze_layers: -1\n"));
    }

    @Test
    void freezingSelectsTheRightParameters() {
        try (dev.longtune.conformance.TestRunContext ctx = new dev.longtune.conformance.TestRunContext(
                java.nio.file.Path.of("."));
                TinyLm model = new TinyLm(ctx.manager(), 4, 1)) {
            assertEquals(4, new SftMethod(SftOptions.defaults()).trainable(model).size());
            var some = new SftMethod(new SftOptions(false, 1)).trainable(model);
            assertEquals(List.of("model.norm.weight"), List.copyOf(some.keySet()));
            assertTrue(!model.parameters().get("lm_head.weight").hasGradient(), "frozen parameters are marked so");
        }
    }
}
