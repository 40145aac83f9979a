package dev.longtune.api;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The family-independent view of a decoder model's shape, read from {@code config.json}. Families keep their own
 * richer config; this is what methods, evaluators and the host need.
 *
 * @param modelType HF {@code model_type}
 * @param maxPositionEmbeddings context length the model runs at (after any context extension)
 * @param raw the full {@code config.json}, unknown keys included, written back on export
 */
public record ModelConfig(
        String modelType,
        int vocabSize,
        int hiddenSize,
        int numLayers,
        int numAttentionHeads,
        int numKeyValueHeads,
        int headDim,
        int maxPositionEmbeddings,
        double ropeTheta,
        int bosTokenId,
        int eosTokenId,
        ObjectNode raw) {}
