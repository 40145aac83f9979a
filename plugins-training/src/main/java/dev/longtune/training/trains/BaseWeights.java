package dev.longtune.training.trains;

import ai.djl.ndarray.NDArray;
import dev.longtune.api.ContextExtension;
import dev.longtune.api.LanguageModel;
import dev.longtune.api.LongtuneException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * What {@code full} and {@code freeze} share: they train some of the model's own weights. The strategy chooses by
 * name; the parameters the context extension declares (LongLoRA's embeddings and norms) always train too.
 */
final class BaseWeights {

    private BaseWeights() {}

    /**
     * Marks every parameter {@code chosen} accepts (or the extension declares) trainable and the rest frozen.
     *
     * @param nothingTrains the message when the choice leaves nothing to train
     */
    static TrainableStrategy.Prepared prepare(LanguageModel model, Predicate<String> chosen,
            Supplier<String> nothingTrains) {
        List<String> required = model.contextExtension().map(ContextExtension::trainableParameters)
                .orElse(List.of());
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> e : model.parameters().entrySet()) {
            String name = e.getKey();
            boolean train = chosen.test(name) || required.stream().anyMatch(name::contains);
            e.getValue().setRequiresGradient(train);
            if (train) {
                out.put(name, e.getValue());
            }
        }
        if (out.isEmpty()) {
            throw new LongtuneException(nothingTrains.get());
        }
        return new TrainableStrategy.Prepared() {
            @Override
            public Map<String, NDArray> trainable() {
                return out;
            }

            @Override
            public void export(Path directory) throws IOException {
                model.save(directory);
            }

            @Override
            public void close() {
                // Leave the model as loaded: frozen, so later inference never records a graph.
                out.values().forEach(p -> p.setRequiresGradient(false));
            }
        };
    }
}
