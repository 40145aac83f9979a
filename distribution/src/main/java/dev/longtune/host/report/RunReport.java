package dev.longtune.host.report;

import java.util.List;
import java.util.Map;

/**
 * Everything a run's report shows, gathered from the files the run wrote (see {@link RunFolder}), so the same model
 * feeds {@code report.html} and {@code report.md} and can be rebuilt from an output folder alone.
 *
 * @param name the experiment's name
 * @param status the manifest's status ("succeeded", "failed", "running" for a run still going or killed)
 * @param facts run facts in display order (device, dtype, seed, seconds, tokens/s, versions, ...)
 * @param plugins every plugin the run used
 * @param configYaml {@code config.resolved.yaml} as written
 * @param data record counts and token lengths, or null when the run read no data
 * @param training the training curve and outcome, or null for a run that only evaluated
 * @param evaluation metrics by evaluator × phase
 * @param figures PNGs to show, the report's own charts first, then those the evaluators wrote
 * @param otherArtifacts files the evaluators wrote that are not pictures (CSV, JSON), relative to the output folder
 * @param samples generations grouped by prompt
 */
public record RunReport(String name, String status, List<Fact> facts, List<Plugin> plugins, String configYaml,
        DataSection data, TrainingSection training, EvaluationTable evaluation, List<Figure> figures,
        List<String> otherArtifacts, List<SampleGroup> samples) {

    public record Fact(String label, String value) {}

    public record Plugin(String role, String name, String version, String source) {}

    /**
     * @param counts what the run counted about its data (records, examples, truncated, skipped), in file order
     * @param lengths token lengths, or null when the run did not measure them
     */
    public record DataSection(Map<String, Number> counts, TokenLengths lengths) {}

    /**
     * @param outcome the training outcome's numbers (steps, tokens, seconds, final loss, and its extras)
     * @param steps logged training rows, in step order
     * @param evalLoss held-out loss by step (empty when the method logs none)
     */
    public record TrainingSection(Map<String, Number> outcome, List<StepRow> steps, List<Point> evalLoss) {}

    /** One logged training step; NaN where the row did not have the value. */
    public record StepRow(long step, double loss, double lr, double gradNorm, double tokensPerSecond) {}

    public record Point(double x, double y) {}

    /**
     * @param phases phases in the order the run measured them ("before", "after"; "eval" for a run that only evaluated)
     * @param rows one per evaluator and metric
     */
    public record EvaluationTable(List<String> phases, List<EvaluationRow> rows) {

        /** Both sides of training were measured, so the table has a change column. */
        public boolean hasDelta() {
            return phases.contains("before") && phases.contains("after");
        }
    }

    /** @param values phase → value; a phase without a value is absent */
    public record EvaluationRow(String evaluator, String metric, Map<String, Double> values) {

        public Double delta() {
            Double b = values.get("before");
            Double a = values.get("after");
            return a == null || b == null ? null : a - b;
        }
    }

    /**
     * A picture of the report.
     *
     * @param title what it shows
     * @param path where the PNG is, relative to the output folder (Markdown links to it)
     * @param png its bytes (HTML embeds them)
     */
    public record Figure(String title, String path, byte[] png) {}

    /**
     * @param prompt the prompt
     * @param generations phase → generated text
     * @param reference the held-out completion, or null when the prompt came from {@code generation.prompts}
     */
    public record SampleGroup(String prompt, Map<String, String> generations, String reference) {}
}
