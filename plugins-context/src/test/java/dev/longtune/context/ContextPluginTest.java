package dev.longtune.context;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.longtune.api.ContextExtensionFactory;
import dev.longtune.api.LongtunePlugin;
import dev.longtune.api.PluginFamily;
import dev.longtune.context.linear.LinearScalingOptions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ContextPluginTest {

    @Test
    void isDiscoveredThroughItsServicesFile() {
        List<LongtunePlugin> plugins = ServiceLoader.load(LongtunePlugin.class).stream()
                .map(ServiceLoader.Provider::get)
                .filter(p -> p instanceof ContextPlugin)
                .toList();
        assertEquals(1, plugins.size());
        assertEquals(List.of("linear", "ntk", "dynamic", "yarn", "llama3", "longrope", "longlora", "sliding_window"),
                PluginFamily.CONTEXT.factoriesOf(plugins.get(0)).stream().map(f -> f.name()).toList());
    }

    @Test
    void linearFactoryReadsHfLinearRopeScaling() {
        ContextExtensionFactory<?> linear = new ContextPlugin().contextExtensions().get(0);
        assertEquals(Set.of("linear"), linear.hfRopeTypes());
        assertEquals(LinearScalingOptions.class, linear.optionsType());
    }

    /**
     * The host picks the first factory that reads a checkpoint's rope_scaling type; with one owner per type that
     * choice cannot depend on discovery order. Every transformers type with a context meaning has an owner.
     */
    @Test
    void eachRopeScalingTypeHasExactlyOneOwner() {
        Map<String, String> owner = new HashMap<>();
        for (ContextExtensionFactory<?> f : new ContextPlugin().contextExtensions()) {
            for (String type : f.hfRopeTypes()) {
                String previous = owner.put(type, f.name());
                assertNull(previous, "'" + type + "' claimed by " + previous + " and " + f.name());
            }
        }
        assertEquals(Map.of("linear", "linear", "ntk", "ntk", "dynamic", "dynamic", "yarn", "yarn",
                "llama3", "llama3", "longrope", "longrope", "su", "longrope"), owner);
        assertTrue(!owner.containsKey("default"), "'default' means no extension");
    }
}
