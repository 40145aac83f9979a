package dev.longtune.host.config;

import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longtune.api.ContextExtension;
import dev.longtune.api.ContextExtensionFactory;
import dev.longtune.api.EvaluatorFactory;
import dev.longtune.api.FineTuningMethodFactory;
import dev.longtune.api.LongtuneException;
import dev.longtune.api.ModelArchitecture;
import dev.longtune.api.PluginFactory;
import dev.longtune.api.PluginFamily;
import dev.longtune.api.config.DataConfig;
import dev.longtune.api.config.ExperimentConfig;
import dev.longtune.api.config.OptionsBinder;
import dev.longtune.api.config.PluginSpec;
import dev.longtune.api.config.Suggestions;
import dev.longtune.api.config.TrainingConfig;
import dev.longtune.api.data.ChatRecords;
import dev.longtune.api.data.PreferenceRecords;
import dev.longtune.api.data.PromptFormats;
import dev.longtune.host.hub.ModelLocator;
import dev.longtune.host.plugins.PluginCatalog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Checks a loaded experiment against the installed plugins and the files it names, before any tensor exists: so a
 * typo, a missing file or an unsupported pairing fails in {@code validate} (and at the start of {@code run}), with
 * the YAML path and line, never mid-run.
 */
public final class ExperimentValidator {

    private static final ObjectMapper JSON = new ObjectMapper();
    static final Set<String> SCHEDULES = Set.of("constant", "linear", "cosine");
    static final Set<String> EXPORT_FORMATS = Set.of("hf", "none");
    static final Set<String> DTYPES = Set.of("auto", "float32", "float16");
    /** Instruction, preference and chat layouts; which ones a method accepts is the method's business. */
    static final Set<String> DATA_FORMATS = union(PromptFormats.NAMES, PreferenceRecords.NAMES, ChatRecords.NAMES);

    private final PluginCatalog catalog;
    private final ModelLocator models;

    /** Model ids that are not local folders are fetched from the Hugging Face Hub with their weights. */
    public ExperimentValidator(PluginCatalog catalog) {
        this(catalog, ModelLocator.forRun());
    }

    public ExperimentValidator(PluginCatalog catalog, ModelLocator models) {
        this.catalog = catalog;
        this.models = models;
    }

    public ResolvedExperiment resolve(LoadedConfig loaded) {
        ExperimentConfig c = loaded.config();
        DeviceSpec.parse(c.device(), loaded.at("device"));

        // model
        if (c.model() == null || c.model().path() == null) {
            throw new LongtuneException(loaded.at("model") + ": missing 'model.path' (a Hugging Face checkpoint folder)");
        }
        Path modelDir = models.locate(c.model().path(), loaded.baseDir(), loaded.at("model.path"));
        ObjectNode hfConfig = readHfConfig(modelDir, loaded.at("model.path"));
        Bound<ModelArchitecture<?>> model = resolveModel(loaded, hfConfig, modelDir);
        DataType dtype = switch (check(c.model().dtype(), DTYPES, loaded.at("model.dtype"), "dtype")) {
            case "float32" -> DataType.FLOAT32;
            case "float16" -> DataType.FLOAT16;
            default -> null;
        };

        // context extension: the config's, else the checkpoint's own rope_scaling
        Bound<ContextExtensionFactory<?>> context = null;
        if (c.context() != null) {
            context = bind(loaded, PluginFamily.CONTEXT, c.context(), "context");
        } else if (hfConfig.hasNonNull("rope_scaling")) {
            context = fromRopeScaling(hfConfig.get("rope_scaling"), modelDir);
        }
        ContextExtension extension = context == null ? null : createExtension(context);
        if (extension != null && !extension.supports(model.name())) {
            throw new LongtuneException(loaded.at("context.type") + ": context extension '" + context.name()
                    + "' does not support the '" + model.name() + "' architecture");
        }

        // method and data
        Bound<FineTuningMethodFactory<?>> method = c.method() == null ? null
                : bind(loaded, PluginFamily.METHOD, c.method(), "method");
        DataConfig data = c.data();
        Path train = null;
        Path eval = null;
        if (data != null) {
            check(data.format(), DATA_FORMATS, loaded.at("data.format"), "data format");
            if (data.train() != null) {
                train = existing(loaded.resolve(data.train()), loaded.at("data.train"), "training data file");
            }
            if (data.eval() != null) {
                eval = existing(loaded.resolve(data.eval()), loaded.at("data.eval"), "held-out data file");
            }
            if (data.evalSplit() < 0 || data.evalSplit() >= 1) {
                throw new LongtuneException(loaded.at("data.eval_split") + ": must be in [0, 1), was "
                        + data.evalSplit());
            }
            if (data.maxLength() < 2) {
                throw new LongtuneException(loaded.at("data.max_length") + ": must be at least 2");
            }
        }
        if (data != null && data.packing()) {
            if (method != null && !method.name().equals("sft")) {
                throw new LongtuneException(loaded.at("data.packing") + ": packing is implemented for the 'sft' "
                        + "method only, not '" + method.name() + "'");
            }
            if (extension != null
                    && extension.attention(true) instanceof dev.longtune.api.AttentionPattern.ShiftedSparse) {
                throw new LongtuneException(loaded.at("data.packing") + ": packing cannot be combined with the "
                        + "shifted sparse attention (S²-Attn) of context extension '" + context.name() + "'");
            }
        }
        if (data != null && data.maxPromptLength() != null && c.method() != null
                && c.method().options().has("max_prompt_length")) {
            // Two prompt cuts would fight: the data section's middle cut replaces the preference methods' TRL-style
            // keep-end cut (PreferenceMethod.promptCuts), so one of them must go.
            throw new LongtuneException(loaded.at("method.max_prompt_length") + ": data.max_prompt_length (a middle "
                    + "cut, keeping instruction and response marker) replaces method.max_prompt_length; remove one");
        }
        if (method != null && train == null) {
            throw new LongtuneException(loaded.at("method") + ": method '" + method.name() + "' needs training "
                    + "data: set data.train to a JSON/JSONL file");
        }
        checkTraining(loaded, c.training());
        check(c.export().format(), EXPORT_FORMATS, loaded.at("export.format"), "export format");

        List<Bound<EvaluatorFactory<?>>> evaluators = new ArrayList<>();
        for (int i = 0; i < c.evaluation().size(); i++) {
            evaluators.add(bind(loaded, PluginFamily.EVALUATOR, c.evaluation().get(i), "evaluation[" + i + "]"));
        }
        Path output = loaded.resolve(c.output());
        return new ResolvedExperiment(loaded, output, modelDir, hfConfig, model, context, extension, method,
                evaluators, train, eval, dtype);
    }

    private Bound<ModelArchitecture<?>> resolveModel(LoadedConfig loaded, ObjectNode hfConfig, Path modelDir) {
        String type = loaded.config().model().type();
        PluginFactory<?> factory;
        if ("auto".equals(type)) {
            JsonNode mt = hfConfig.get("model_type");
            if (mt == null || mt.asText().isBlank()) {
                throw new LongtuneException(modelDir.resolve("config.json") + " has no 'model_type': set model.type "
                        + "to one of " + catalog.names(PluginFamily.MODEL));
            }
            factory = catalog.architectureFor(mt.asText()).orElseThrow(() -> new LongtuneException(
                    modelDir.resolve("config.json") + " has model_type '" + mt.asText() + "', which no installed "
                    + "model architecture loads" + Suggestions.didYouMean(mt.asText(), catalog.modelTypes())
                    + " (supported model types: " + String.join(", ", catalog.modelTypes())
                    + "). Install a plugin for it in plugins/, or check the folder."));
        } else {
            factory = catalog.require(PluginFamily.MODEL, type, loaded.at("model.type"));
        }
        Object options = OptionsBinder.bind(loaded.config().model().options(), factory.optionsType(),
                "model architecture '" + factory.name() + "'", "model", loaded.tree()::lineOf);
        return new Bound<>("model", (ModelArchitecture<?>) factory, options);
    }

    @SuppressWarnings("unchecked")
    private <F extends PluginFactory<?>> Bound<F> bind(LoadedConfig loaded, PluginFamily family, PluginSpec spec,
            String path) {
        PluginFactory<?> factory = catalog.require(family, spec.type(), loaded.at(path + ".type"));
        Object options;
        try {
            options = OptionsBinder.bind(spec.options(), factory.optionsType(),
                    family.title() + " '" + factory.name() + "'", path, loaded.tree()::lineOf);
        } catch (LongtuneException e) {
            throw new LongtuneException(loaded.file().getFileName() + ": " + e.getMessage(), e);
        }
        return new Bound<>(path, (F) factory, options);
    }

    private Bound<ContextExtensionFactory<?>> fromRopeScaling(JsonNode ropeScaling, Path modelDir) {
        String where = modelDir.resolve("config.json") + ": rope_scaling";
        JsonNode typeNode = ropeScaling.hasNonNull("rope_type") ? ropeScaling.get("rope_type") : ropeScaling.get("type");
        if (typeNode == null) {
            throw new LongtuneException(where + " has neither 'rope_type' nor 'type'");
        }
        String type = typeNode.asText();
        if ("default".equals(type)) {
            return null;
        }
        List<String> known = new ArrayList<>();
        for (String name : catalog.names(PluginFamily.CONTEXT)) {
            ContextExtensionFactory<?> f = (ContextExtensionFactory<?>) catalog.find(PluginFamily.CONTEXT, name)
                    .orElseThrow();
            known.addAll(f.hfRopeTypes());
            if (f.hfRopeTypes().contains(type)) {
                Object options = OptionsBinder.bind((ObjectNode) ropeScaling, f.optionsType(),
                        "context extension '" + f.name() + "'", where, OptionsBinder.NO_LINES);
                return new Bound<>("model.config.rope_scaling", f, options);
            }
        }
        throw new LongtuneException(where + " has type '" + type + "', which no installed context extension reads"
                + Suggestions.didYouMean(type, known) + " (supported: " + String.join(", ", known) + ")");
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    static ContextExtension createExtension(Bound<ContextExtensionFactory<?>> bound) {
        return ((ContextExtensionFactory) bound.factory()).create(bound.options());
    }

    private static void checkTraining(LoadedConfig loaded, TrainingConfig t) {
        check(t.lrScheduler(), SCHEDULES, loaded.at("training.lr_scheduler"), "learning-rate schedule");
        positive(loaded, "training.batch_size", t.batchSize());
        positive(loaded, "training.gradient_accumulation_steps", t.gradientAccumulationSteps());
        positive(loaded, "training.epochs", t.epochs());
        positive(loaded, "training.log_every", t.logEvery());
        if (t.maxSteps() < 0 || t.warmupSteps() < 0 || t.saveEvery() < 0) {
            throw new LongtuneException(loaded.at("training") + ": max_steps, warmup_steps and save_every must not be "
                    + "negative");
        }
        if (!(t.learningRate() > 0)) {
            throw new LongtuneException(loaded.at("training.learning_rate") + ": must be > 0, was " + t.learningRate());
        }
        if (t.maxGradNorm() < 0 || t.weightDecay() < 0) {
            throw new LongtuneException(loaded.at("training") + ": max_grad_norm and weight_decay must be >= 0");
        }
    }

    private static void positive(LoadedConfig loaded, String path, int value) {
        if (value < 1) {
            throw new LongtuneException(loaded.at(path) + ": must be at least 1, was " + value);
        }
    }

    private static String check(String value, Set<String> valid, String where, String what) {
        if (!valid.contains(value)) {
            throw new LongtuneException(where + ": unknown " + what + " '" + value + "'"
                    + Suggestions.didYouMean(value, valid) + " (valid: " + String.join(", ", new java.util.TreeSet<>(valid))
                    + ")");
        }
        return value;
    }

    private static Path existing(Path p, String where, String what) {
        if (!Files.isRegularFile(p)) {
            throw new LongtuneException(where + ": " + what + " not found: " + p
                    + " (paths are relative to the config file's folder)");
        }
        return p;
    }

    @SafeVarargs
    private static Set<String> union(List<String>... lists) {
        Set<String> all = new java.util.TreeSet<>();
        for (List<String> l : lists) {
            all.addAll(l);
        }
        return Set.copyOf(all);
    }

    /** Reads {@code config.json}, with a clear error for a missing folder or file. */
    public static ObjectNode readHfConfig(Path modelDir, String where) {
        if (!Files.isDirectory(modelDir)) {
            throw new LongtuneException(where + ": model folder not found: " + modelDir
                    + " (expected a Hugging Face checkpoint folder with config.json and *.safetensors)");
        }
        Path file = modelDir.resolve("config.json");
        if (!Files.isRegularFile(file)) {
            throw new LongtuneException(where + ": " + modelDir + " has no config.json — is it a Hugging Face "
                    + "checkpoint folder?");
        }
        try {
            JsonNode n = JSON.readTree(file.toFile());
            if (!(n instanceof ObjectNode o)) {
                throw new LongtuneException(file + " is not a JSON object");
            }
            return o;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new LongtuneException(file + " is not valid JSON (line " + e.getLocation().getLineNr() + "): "
                    + e.getOriginalMessage());
        } catch (IOException e) {
            throw new LongtuneException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
