package dev.longtune.api;

/**
 * An evaluator ({@code perplexity}, {@code passkey}, {@code judge}, ...).
 *
 * @param <O> options record
 */
public interface EvaluatorFactory<O> extends PluginFactory<O> {

    Evaluator create(O options);
}
