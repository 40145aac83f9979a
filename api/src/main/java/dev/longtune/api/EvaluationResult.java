package dev.longtune.api;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * @param evaluator the evaluator's name
 * @param metrics named numbers (e.g. {@code perplexity}, {@code nll_per_token}, {@code tokens})
 * @param artifacts files written (paths relative to the run's output folder are preferred)
 */
public record EvaluationResult(String evaluator, Map<String, Double> metrics, List<Path> artifacts) {}
