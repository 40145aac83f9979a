package dev.longtune.api.config;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.util.List;

/**
 * One experiment, as written in its YAML file.
 *
 * <pre>
 * name: quickstart
 * output: runs/quickstart      # relative to the config file
 * seed: 42
 * device: auto                 # cpu, gpu, gpu:1, auto
 * model: {path: models/stories260K}
 * context: {type: linear, factor: 2.0}      # optional
 * method: {type: sft}                       # optional: no method = evaluate only
 * data: {train: data/train.jsonl, eval: data/eval.jsonl}
 * training: {learning_rate: 1e-3, batch_size: 8}
 * evaluation: [{type: perplexity, stride: 128}]
 * generation: {prompts: ["Once upon a time"]}
 * export: {format: hf}
 * </pre>
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record ExperimentConfig(
        String name,
        String output,
        Long seed,
        String device,
        ModelSection model,
        PluginSpec context,
        PluginSpec method,
        DataConfig data,
        TrainingConfig training,
        List<PluginSpec> evaluation,
        GenerationConfig generation,
        ExportConfig export) {

    public ExperimentConfig {
        name = name == null ? "experiment" : name;
        output = output == null ? "runs/" + name : output;
        seed = seed == null ? 42L : seed;
        device = device == null ? "auto" : device;
        training = training == null ? TrainingConfig.defaults() : training;
        evaluation = evaluation == null ? List.of() : List.copyOf(evaluation);
        generation = generation == null
                ? new GenerationConfig(null, null, null, null, null, null) : generation;
        export = export == null ? new ExportConfig(null, null) : export;
    }
}
