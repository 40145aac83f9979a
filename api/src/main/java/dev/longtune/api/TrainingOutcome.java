package dev.longtune.api;

import java.util.Map;

/**
 * Summary of a finished training run (per-step metrics were already streamed through {@link RunContext#metrics()}).
 *
 * @param finalLoss mean training loss over the last logging window
 */
public record TrainingOutcome(long steps, long tokens, double finalLoss, double seconds, Map<String, Double> extra) {}
