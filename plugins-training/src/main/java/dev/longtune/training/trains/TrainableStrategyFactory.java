package dev.longtune.training.trains;

/**
 * A named "what trains" strategy with a typed options record, bound strictly from the {@code trains:} node of a
 * method's options (the same rules as every plugin's options).
 *
 * @param <O> options record
 */
public interface TrainableStrategyFactory<O> {

    String name();

    Class<O> optionsType();

    TrainableStrategy create(O options);
}
