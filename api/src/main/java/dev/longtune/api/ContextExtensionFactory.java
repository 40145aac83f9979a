package dev.longtune.api;

import java.util.Set;

/**
 * A context-extension strategy (Position Interpolation, NTK, YaRN, ...).
 *
 * <p>Options records use the key names of Hugging Face's {@code rope_scaling} ({@code factor},
 * {@code original_max_position_embeddings}, ...) so that the same record binds from an experiment YAML and from a
 * checkpoint's {@code config.json}.
 *
 * @param <O> options record
 */
public interface ContextExtensionFactory<O> extends PluginFactory<O> {

    ContextExtension create(O options);

    /**
     * The {@code rope_scaling.rope_type} (or legacy {@code type}) values in {@code config.json} that this factory
     * reads. Defaults to its own name.
     */
    default Set<String> hfRopeTypes() {
        return Set.of(name());
    }
}
