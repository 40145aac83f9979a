package dev.longtune.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.longtune.api.LongtunePlugin;
import dev.longtune.api.ModelArchitecture;
import dev.longtune.api.NoOptions;
import java.util.ServiceLoader;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ModelsPluginTest {

    @Test
    void discoveredThroughServiceLoaderWithLlama() {
        ModelArchitecture<?> llama = ServiceLoader.load(LongtunePlugin.class).stream()
                .map(ServiceLoader.Provider::get)
                .filter(p -> p instanceof ModelsPlugin)
                .findFirst()
                .orElseThrow()
                .modelArchitectures()
                .get(0);
        assertEquals("llama", llama.name());
        assertEquals(Set.of("llama"), llama.modelTypes());
        assertEquals(NoOptions.class, llama.optionsType());
        assertTrue(!llama.description().isEmpty());
    }

    @Test
    void everyFamilyIsRegisteredUnderItsModelType() {
        java.util.List<ModelArchitecture<?>> all = new ModelsPlugin().modelArchitectures();
        java.util.Map<String, Set<String>> types = new java.util.LinkedHashMap<>();
        for (ModelArchitecture<?> a : all) {
            types.put(a.name(), a.modelTypes());
            assertEquals(NoOptions.class, a.optionsType());
            assertTrue(!a.description().isEmpty());
        }
        assertEquals(java.util.Map.of("llama", Set.of("llama"), "mistral", Set.of("mistral"), "qwen2",
                Set.of("qwen2"), "gemma", Set.of("gemma"), "gemma2", Set.of("gemma2"), "mixtral", Set.of("mixtral")),
                types);
    }
}
