package dev.longtune.training.loop;

import ai.djl.ndarray.NDManager;
import dev.longtune.api.LanguageModel;
import dev.longtune.api.nd.TokenLoss;

/**
 * A method's loss on one micro-batch, as a <em>sum</em> over tokens plus the token count (the loop normalises, so
 * that gradient accumulation equals one big batch).
 *
 * @param <B> the method's micro-batch type
 */
@FunctionalInterface
public interface LossFunction<B extends MicroBatch> {

    /**
     * @param step create every input in this manager (and put activations first in every op), so everything the
     *     forward pass makes is freed when the step closes
     * @param training true for training steps, false for evaluation (no dropout)
     */
    TokenLoss.Sum compute(LanguageModel model, B batch, NDManager step, boolean training);
}
