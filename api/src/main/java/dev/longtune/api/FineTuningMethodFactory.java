package dev.longtune.api;

/**
 * A fine-tuning method ({@code sft}, {@code lora}, {@code dpo}, ...): decides what trains and what is optimised.
 *
 * @param <O> options record
 */
public interface FineTuningMethodFactory<O> extends PluginFactory<O> {

    FineTuningMethod create(O options);
}
