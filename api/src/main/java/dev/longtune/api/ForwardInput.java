package dev.longtune.api;

import ai.djl.ndarray.NDArray;
import java.util.Objects;

/**
 * Input to {@link LanguageModel#forward}.
 *
 * @param inputIds token ids {@code [B, T]} (int64); its manager receives every array the forward pass creates
 * @param positionIds positions {@code [B, T]} (int64), or {@code null} for {@code cache.length() + arange(T)}
 * @param cache key/value cache to read and append to, or {@code null} for a stateless full forward pass
 * @param training true while training (enables dropout and any training-only attention pattern)
 */
public record ForwardInput(NDArray inputIds, NDArray positionIds, KvCache cache, boolean training) {

    public ForwardInput {
        Objects.requireNonNull(inputIds, "inputIds");
    }

    /** A full, stateless, inference forward pass over {@code inputIds}. */
    public static ForwardInput of(NDArray inputIds) {
        return new ForwardInput(inputIds, null, null, false);
    }

    /** A full forward pass in training mode. */
    public static ForwardInput training(NDArray inputIds) {
        return new ForwardInput(inputIds, null, null, true);
    }

    /** An incremental step that reads and extends {@code cache}. */
    public static ForwardInput cached(NDArray inputIds, KvCache cache) {
        return new ForwardInput(inputIds, null, Objects.requireNonNull(cache, "cache"), false);
    }
}
