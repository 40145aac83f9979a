package dev.longtune.training.trains;

import ai.djl.ndarray.NDArray;
import dev.longtune.api.LanguageModel;
import dev.longtune.api.RunContext;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * "What trains": the half of a fine-tuning method that decides which weights change — all of them ({@code full}),
 * some ({@code freeze}), or low-rank adapters on top of a frozen base ({@code lora}, {@code dora}, {@code qlora}).
 * The other half, "what it optimises" ({@code sft}, {@code dpo}, {@code orpo}, ...), is the method plugin; every
 * method takes a {@code trains:} option naming one of these, so any strategy combines with any objective.
 *
 * <p>Strategies are chosen by name from {@link TrainableStrategies}; their options are bound strictly like every
 * plugin's, at validate time.
 */
public interface TrainableStrategy {

    /** The strategy's config name ({@code full}, {@code lora}, ...). */
    String name();

    /**
     * Prepares {@code model} for training: freezes what does not train, installs adapters (through
     * {@link LanguageModel#linearLayers()}), and returns what the optimiser updates. Parameters the model's context
     * extension declares ({@code ContextExtension.trainableParameters()}, LongLoRA's embeddings and norms) are
     * trained too.
     */
    Prepared prepare(LanguageModel model, RunContext context) throws IOException;

    /** What {@link #prepare} set up; closing it removes adapters and freezes everything again. */
    interface Prepared extends AutoCloseable {

        /** Every trainable array by name (adapter weights under PEFT's names), requiresGradient already on. */
        Map<String, NDArray> trainable();

        /**
         * Learning-rate multiplier per trainable name (LoRA+ trains {@code lora_B} faster); absent names use 1.
         */
        default Map<String, Double> learningRateScale() {
            return Map.of();
        }

        /**
         * Runs {@code body} with the adapters switched off, i.e. on the frozen base model: the DPO reference
         * without a second copy of the model. For strategies without adapters it throws: there is no frozen base
         * to fall back to, and the method must load a separate reference.
         */
        default <T> T withAdaptersDisabled(java.util.function.Supplier<T> body) {
            throw new UnsupportedOperationException("this strategy trains the base weights; there is no frozen base "
                    + "to use as a reference");
        }

        /** True when {@link #withAdaptersDisabled} works. */
        default boolean hasFrozenBase() {
            return false;
        }

        /**
         * Writes what was trained: the full model in Hugging Face layout for {@code full}/{@code freeze}; the adapter
         * in PEFT's layout ({@code adapter_config.json} + {@code adapter_model.safetensors} with PEFT's key names,
         * plus extra trained embeddings/norms) for adapter strategies.
         */
        void export(Path directory) throws IOException;

        /**
         * Adds to a checkpoint folder ({@code <output>/checkpoints/step-N}, still the temporary one, already holding
         * {@code trainable.safetensors}) what makes it usable without the training plugin. Nothing for
         * {@code full}/{@code freeze}: their trainables are model parameters under Hugging Face names. Adapter
         * strategies make the folder a PEFT adapter folder as well ({@code adapter_config.json} and
         * {@code adapter_model.safetensors}), so {@code longtune eval --checkpoint} merges it like the run's
         * {@code adapter/}. Every file written must be forced to disk (the checkpoint is published atomically).
         */
        default void writeCheckpointFiles(Path folder) throws IOException {}

        /** Folds adapters into the base weights (no-op for full/freeze), so {@code model.save} writes a merged model. */
        default void merge() {}

        @Override
        void close();
    }
}
