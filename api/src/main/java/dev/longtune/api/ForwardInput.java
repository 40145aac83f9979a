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
 * @param segmentIds optional per-token segment (document) ids {@code [B, T]} (int64) for packed rows, or
 *     {@code null}: when given, a query attends only to keys of its own segment (combined with the causal or
 *     windowed pattern, so attention is block-diagonal per segment); keys in another segment are masked. Positions
 *     are not derived from it: a packed row passes {@code positionIds} restarting at 0 per segment. Only for a
 *     stateless forward pass (no {@code cache}); models that cannot honour it (e.g. under S²-Attn) refuse it.
 */
public record ForwardInput(NDArray inputIds, NDArray positionIds, KvCache cache, boolean training,
        NDArray segmentIds) {

    public ForwardInput {
        Objects.requireNonNull(inputIds, "inputIds");
    }

    /** Without segment ids (every token of a row in one segment), as before packing existed. */
    public ForwardInput(NDArray inputIds, NDArray positionIds, KvCache cache, boolean training) {
        this(inputIds, positionIds, cache, training, null);
    }

    /**
     * A stateless forward pass over packed rows: {@code positionIds} restart at 0 per segment and attention stays
     * within each segment of {@code segmentIds}.
     */
    public static ForwardInput packed(NDArray inputIds, NDArray positionIds, NDArray segmentIds, boolean training) {
        return new ForwardInput(inputIds, Objects.requireNonNull(positionIds, "positionIds"), null, training,
                Objects.requireNonNull(segmentIds, "segmentIds"));
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
