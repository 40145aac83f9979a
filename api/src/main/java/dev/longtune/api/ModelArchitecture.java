package dev.longtune.api;

import java.io.IOException;
import java.util.Set;

/**
 * A model family (Llama, Mistral, ...): loads a Hugging Face checkpoint folder into a {@link LanguageModel}.
 *
 * @param <O> options record (attention kernel choice and the like); {@link NoOptions} when there are none
 */
public interface ModelArchitecture<O> extends PluginFactory<O> {

    /** The {@code model_type} values of {@code config.json} this architecture loads, e.g. {@code llama}. */
    Set<String> modelTypes();

    /**
     * Loads the checkpoint described by {@code request}. Errors that the user can fix (missing tensor, shape that
     * disagrees with {@code config.json}, tokenizer vocabulary mismatch) are thrown as {@link LongtuneException}
     * naming the file or tensor.
     */
    LanguageModel load(O options, ModelLoadRequest request) throws IOException;
}
