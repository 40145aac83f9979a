package dev.longtune.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.longtune.api.LongtunePlugin;
import dev.longtune.api.PluginFamily;
import java.util.List;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

class EvalPluginTest {

    @Test
    void isDiscoveredThroughItsServicesFile() {
        List<LongtunePlugin> plugins = ServiceLoader.load(LongtunePlugin.class).stream()
                .map(ServiceLoader.Provider::get)
                .filter(p -> p instanceof EvalPlugin)
                .toList();
        assertEquals(1, plugins.size());
        assertEquals(List.of("perplexity", "perplexity_by_length", "passkey", "needle", "rouge", "bleu", "judge",
                "review_structure"), PluginFamily.EVALUATOR.factoriesOf(plugins.get(0)).stream()
                .map(f -> f.name()).toList());
    }
}
