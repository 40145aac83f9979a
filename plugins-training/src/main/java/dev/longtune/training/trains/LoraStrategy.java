package dev.longtune.training.trains;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longtune.api.ContextExtension;
import dev.longtune.api.LanguageModel;
import dev.longtune.api.LinearLayer;
import dev.longtune.api.LongtuneException;
import dev.longtune.api.RunContext;
import dev.longtune.training.checkpoint.Checkpoints;
import dev.longtune.training.checkpoint.TensorFile;
import dev.longtune.training.quant.Nf4;
import dev.longtune.training.quant.Nf4Tensor;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * {@code lora}, {@code dora} and {@code qlora}: low-rank adapters on a frozen base, exactly as PEFT's {@code LoraConfig}
 * defines them (numerics spec D.1–D.5).
 *
 * <pre>
 * trains:
 *   type: lora                 # or dora (= lora with use_dora: true), qlora (4-bit NF4 base)
 *   r: 16                      # default 8 (qlora: 64)
 *   alpha: 32                  # lora_alpha; default 8 (qlora: 16); scaling alpha/r, or alpha/sqrt(r) with use_rslora
 *   dropout: 0.05              # on the LoRA branch input only; default 0
 *   target_modules: all-linear # a list of module names (suffix match, e.g. [q_proj, v_proj], PEFT's default for
 *                              # Llama-family models), "all-linear" (every projection but the head), or a regex
 *                              # matched against the whole module name
 *   use_rslora: false
 *   use_dora: false            # lora/qlora: add DoRA's magnitude vector (qlora + use_dora = QDoRA)
 *   init: default              # default (A kaiming-uniform, B = 0) | gaussian (A ~ N(0, (1/r)²), PEFT's std 1/r) | pissa
 *   loraplus_lr_ratio: 16      # LoRA+: lora_B and every 1-D trainable at lr·ratio (absent: off)
 *   block_size: 64             # qlora only: NF4 block size
 *   double_quant: true         # qlora only: quantize the block scales too
 *   base_model_name_or_path: … # written to adapter_config.json (default null)
 * </pre>
 *
 * Parameters the model's context extension declares (LongLoRA's {@code embed}, {@code norm}) train as well, under their
 * model names; the adapter weights train under PEFT's names
 * ({@code base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight}).
 */
public final class LoraStrategy implements TrainableStrategy {

    /** PEFT's prefix of every adapter key (a {@code PeftModel} wrapping a {@code *ForCausalLM}). */
    public static final String PREFIX = "base_model.model.";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** Which adapter family. */
    public enum Variant {
        LORA("lora"), DORA("dora"), QLORA("qlora");

        final String configName;

        Variant(String configName) {
            this.configName = configName;
        }
    }

    /** Options of {@code lora}, {@code dora} and {@code qlora} (see the class comment). */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Options(Integer r, Double alpha, Double dropout, JsonNode targetModules, Boolean useRslora,
            Boolean useDora, String init, Double loraplusLrRatio, Integer blockSize, Boolean doubleQuant,
            String baseModelNameOrPath) {

        /** All defaults. */
        public static Options defaults() {
            return new Options(null, null, null, null, null, null, null, null, null, null, null);
        }
    }

    /** Factory for one variant. */
    public static final class Factory implements TrainableStrategyFactory<Options> {
        private final Variant variant;

        public Factory(Variant variant) {
            this.variant = variant;
        }

        @Override
        public String name() {
            return variant.configName;
        }

        @Override
        public Class<Options> optionsType() {
            return Options.class;
        }

        @Override
        public TrainableStrategy create(Options options) {
            return new LoraStrategy(variant, options);
        }
    }

    private final Variant variant;
    private final int r;
    private final double alpha;
    private final double dropout;
    private final boolean rslora;
    private final boolean dora;
    private final String init;
    private final Double loraplusRatio;
    private final int blockSize;
    private final boolean doubleQuant;
    private final String baseModel;
    private final List<String> targetList; // null when targetRegex or allLinear
    private final Pattern targetRegex;
    private final boolean allLinear;

    public LoraStrategy(Variant variant, Options o) {
        this.variant = variant;
        boolean q = variant == Variant.QLORA;
        this.r = o.r() == null ? (q ? 64 : 8) : o.r();
        this.alpha = o.alpha() == null ? (q ? 16 : 8) : o.alpha();
        this.dropout = o.dropout() == null ? 0.0 : o.dropout();
        this.rslora = Boolean.TRUE.equals(o.useRslora());
        if (variant == Variant.DORA && Boolean.FALSE.equals(o.useDora())) {
            throw new IllegalArgumentException("use_dora: false contradicts type: dora (use type: lora)");
        }
        this.dora = variant == Variant.DORA || Boolean.TRUE.equals(o.useDora());
        this.init = o.init() == null ? "default" : o.init();
        this.loraplusRatio = o.loraplusLrRatio();
        this.baseModel = o.baseModelNameOrPath();
        if (r < 1) {
            throw new IllegalArgumentException("r must be >= 1, was " + r);
        }
        if (!(alpha > 0) || Double.isInfinite(alpha)) {
            throw new IllegalArgumentException("alpha must be > 0, was " + alpha);
        }
        if (!(dropout >= 0 && dropout < 1)) {
            throw new IllegalArgumentException("dropout must be in [0, 1), was " + dropout);
        }
        if (!List.of("default", "gaussian", "pissa").contains(init)) {
            throw new IllegalArgumentException("init must be one of default, gaussian, pissa; was '" + init + "'");
        }
        if (loraplusRatio != null && !(loraplusRatio > 0)) {
            throw new IllegalArgumentException("loraplus_lr_ratio must be > 0, was " + loraplusRatio);
        }
        if (!q && (o.blockSize() != null || o.doubleQuant() != null)) {
            throw new IllegalArgumentException("block_size and double_quant apply to type: qlora only");
        }
        this.blockSize = o.blockSize() == null ? Nf4.DEFAULT_BLOCK_SIZE : o.blockSize();
        Nf4.checkBlockSize(blockSize);
        this.doubleQuant = o.doubleQuant() == null || o.doubleQuant();
        JsonNode t = o.targetModules();
        if (t == null || t.isNull()) {
            targetList = List.of("q_proj", "v_proj");
            targetRegex = null;
            allLinear = false;
        } else if (t.isTextual()) {
            targetList = null;
            allLinear = "all-linear".equals(t.asText());
            try {
                targetRegex = allLinear ? null : Pattern.compile(t.asText());
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException("target_modules: not a regex: " + e.getMessage());
            }
        } else if (t.isArray() && t.size() > 0) {
            List<String> names = new ArrayList<>();
            for (JsonNode n : t) {
                if (!n.isTextual() || n.asText().isBlank()) {
                    throw new IllegalArgumentException("target_modules: expected module names, got " + n);
                }
                names.add(n.asText());
            }
            targetList = List.copyOf(names);
            targetRegex = null;
            allLinear = false;
        } else {
            throw new IllegalArgumentException("target_modules: expected all-linear, a regex, or a non-empty list of "
                    + "module names; got " + t);
        }
    }

    @Override
    public String name() {
        return variant.configName;
    }

    /** α/r, or α/√r with rsLoRA. */
    public double scaling() {
        return rslora ? alpha / Math.sqrt(r) : alpha / r;
    }

    /** Whether a module ({@code model.layers.0.self_attn.q_proj}) gets an adapter (PEFT's matching rules). */
    boolean targets(String module) {
        if (allLinear) {
            return true; // linearLayers() already excludes the output head
        }
        if (targetRegex != null) {
            return targetRegex.matcher(module).matches();
        }
        for (String t : targetList) {
            if (module.equals(t) || module.endsWith("." + t)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public Prepared prepare(LanguageModel model, RunContext context) {
        Map<String, LinearLayer> layers = model.linearLayers();
        List<LinearLayer> targets = new ArrayList<>();
        for (LinearLayer l : layers.values()) {
            if (targets(l.name())) {
                targets.add(l);
            }
        }
        if (targets.isEmpty()) {
            TreeSet<String> leaves = new TreeSet<>();
            layers.keySet().forEach(n -> leaves.add(n.substring(n.lastIndexOf('.') + 1)));
            throw new LongtuneException("trains: " + name() + ": target_modules matches no linear layer of the model "
                    + "(its projections: " + String.join(", ", leaves) + ")");
        }
        for (LinearLayer l : targets) {
            if (l.forward() != null || !l.hasDenseWeight()) {
                throw new LongtuneException("trains: " + name() + ": " + l.name() + " already has an adapter");
            }
            DataType wt = l.weight().getDataType();
            // float16 base (mixed precision): plain LoRA only. The adapters stay float32 (they are the optimiser's
            // masters) and are cast to the activations' dtype on the autograd path in the forward. DoRA's
            // magnitude, NF4 dequantization and PiSSA's SVD residual are written for a float32 base.
            boolean halfOk = wt == DataType.FLOAT16 && !dora && variant != Variant.QLORA && !"pissa".equals(init);
            if (wt != DataType.FLOAT32 && !halfOk) {
                throw new LongtuneException("trains: " + name() + (wt == DataType.FLOAT16 ? " with "
                        + (dora ? "DoRA" : variant == Variant.QLORA ? "qlora" : "init: pissa") : "")
                        + " needs a float32 model; " + l.name() + " is " + wt + " (set model.dtype: float32"
                        + (wt == DataType.FLOAT16 ? ", or use plain lora, which trains on a float16 base" : "")
                        + ")");
            }
        }
        for (NDArray p : model.parameters().values()) {
            p.setRequiresGradient(false);
        }
        NDManager manager = model.manager().newSubManager();
        List<LoraAdapter> adapters = new ArrayList<>();
        Map<String, NDArray> trainable = new LinkedHashMap<>();
        try {
            SplittableRandom rng = new SplittableRandom(context.seed() * 0x9E3779B97F4A7C15L + 0x4c6f5241L);
            double s = scaling();
            for (LinearLayer l : targets) {
                LoraAdapter ad = create(l, manager, rng, s);
                adapters.add(ad);
                String key = PREFIX + l.name();
                trainable.put(key + ".lora_A.weight", ad.a);
                trainable.put(key + ".lora_B.weight", ad.b);
                if (ad.magnitude != null) {
                    trainable.put(key + ".lora_magnitude_vector", ad.magnitude);
                }
            }
            for (LoraAdapter ad : adapters) {
                ad.layer.setForward(ad);
                if (ad.quantized != null) {
                    ad.layer.releaseWeight();
                }
            }
        } catch (RuntimeException e) {
            for (LoraAdapter ad : adapters) {
                if (ad.layer.forward() == ad) {
                    if (ad.quantized != null && !ad.layer.hasDenseWeight()) {
                        ad.layer.restoreWeight(ad.quantized.dequantize(manager));
                    }
                    ad.layer.setForward(null);
                }
            }
            manager.close();
            throw e;
        }
        Map<String, NDArray> extras = new LinkedHashMap<>();
        List<String> required = model.contextExtension().map(ContextExtension::trainableParameters).orElse(List.of());
        for (Map.Entry<String, NDArray> e : model.parameters().entrySet()) {
            if (required.stream().anyMatch(e.getKey()::contains)) {
                extras.put(e.getKey(), e.getValue());
            }
        }
        trainable.putAll(extras);
        trainable.values().forEach(p -> p.setRequiresGradient(true));
        return new LoraPrepared(model, manager, adapters, Collections.unmodifiableMap(trainable), extras);
    }

    private LoraAdapter create(LinearLayer l, NDManager manager, SplittableRandom rng, double s) {
        int in = l.inFeatures();
        int out = l.outFeatures();
        NDArray w = l.weight();
        float[] a = new float[r * in];
        float[] b = new float[out * r];
        boolean pissaResidual = false;
        if ("pissa".equals(init)) {
            float[] wv = w.toFloatArray();
            double[][] wd = new double[out][in];
            for (int i = 0; i < out; i++) {
                for (int j = 0; j < in; j++) {
                    wd[i][j] = wv[i * in + j];
                }
            }
            Svd.Result svd = Svd.of(wd);
            int k = Math.min(r, svd.s().length);
            for (int q = 0; q < k; q++) {
                double root = Math.sqrt(svd.s()[q] / s);
                for (int j = 0; j < in; j++) {
                    a[q * in + j] = (float) (root * svd.vt()[q][j]);
                }
                for (int i = 0; i < out; i++) {
                    b[i * r + q] = (float) (svd.u()[i][q] * root);
                }
            }
            pissaResidual = true;
        } else if ("gaussian".equals(init)) {
            double std = 1.0 / r;
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) (nextGaussian(rng) * std);
            }
        } else {
            double bound = 1.0 / Math.sqrt(in); // kaiming_uniform_(a=√5)
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) ((rng.nextDouble() * 2 - 1) * bound);
            }
        }
        NDArray aa = manager.create(a, new Shape(r, in));
        NDArray bb = manager.create(b, new Shape(out, r));
        if (pissaResidual) {
            // Residual base W − s·B·A, from the float32 A and B (PEFT casts them before forming the residual).
            try (NDManager scratch = manager.newSubManager()) {
                NDArray view = w.stopGradient();
                view.attach(scratch);
                view.subi(new LoraAdapter(l, aa, bb, null, null, s, 0, scratch).delta(scratch));
            }
        }
        Nf4Tensor quant = variant == Variant.QLORA ? Nf4Tensor.quantize(w, manager, blockSize, doubleQuant) : null;
        NDArray magnitude = null;
        LoraAdapter probe = new LoraAdapter(l, aa, bb, null, quant, s, dropout, manager);
        if (dora) {
            try (NDManager scratch = manager.newSubManager()) {
                // m = ‖W + s·B·A‖_row of the weight the layer computes with (the dequantized one for QLoRA)
                NDArray n = probe.weightNorm(probe.baseWeight(scratch), scratch);
                magnitude = manager.create(n.toFloatArray(), new Shape(out));
            }
        }
        return new LoraAdapter(l, aa, bb, magnitude, quant, s, dropout, manager);
    }

    private static double nextGaussian(SplittableRandom rng) {
        double u1 = rng.nextDouble();
        double u2 = rng.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
    }

    /** The adapter_config.json PEFT writes for this configuration. */
    ObjectNode adapterConfig(List<LoraAdapter> adapters, Map<String, NDArray> extras) {
        ObjectNode c = JSON.createObjectNode();
        c.putObject("alpha_pattern");
        c.putNull("auto_mapping");
        if (baseModel == null) {
            c.putNull("base_model_name_or_path");
        } else {
            c.put("base_model_name_or_path", baseModel);
        }
        c.put("bias", "none");
        c.put("fan_in_fan_out", false);
        c.put("inference_mode", true);
        switch (init) {
            case "gaussian" -> c.put("init_lora_weights", "gaussian");
            case "pissa" -> c.put("init_lora_weights", "pissa");
            default -> c.put("init_lora_weights", true);
        }
        c.putNull("layer_replication");
        c.putNull("layers_pattern");
        c.putNull("layers_to_transform");
        c.putObject("loftq_config");
        if (alpha == Math.rint(alpha) && Math.abs(alpha) < 1e9) {
            c.put("lora_alpha", (long) alpha);
        } else {
            c.put("lora_alpha", alpha);
        }
        c.put("lora_dropout", dropout);
        c.putNull("megatron_config");
        c.put("megatron_core", "megatron.core");
        if (extras.isEmpty()) {
            c.putNull("modules_to_save");
        } else {
            ArrayNode mts = c.putArray("modules_to_save");
            new TreeSet<>(extras.keySet().stream().map(LoraStrategy::moduleLeaf).toList()).forEach(mts::add);
        }
        c.put("peft_type", "LORA");
        c.put("r", r);
        c.putObject("rank_pattern");
        c.putNull("revision");
        if (targetRegex != null) {
            c.put("target_modules", targetRegex.pattern());
        } else {
            ArrayNode tm = c.putArray("target_modules");
            TreeSet<String> leaves = new TreeSet<>();
            if (allLinear) {
                adapters.forEach(ad -> leaves.add(moduleLeaf(ad.layer.name() + ".weight")));
            } else {
                leaves.addAll(targetList);
            }
            leaves.forEach(tm::add);
        }
        c.put("task_type", "CAUSAL_LM");
        c.put("use_dora", dora);
        c.put("use_rslora", rslora);
        return c;
    }

    /** {@code model.layers.0.input_layernorm.weight} → {@code input_layernorm}. */
    static String moduleLeaf(String parameter) {
        String module = parameter.endsWith(".weight") || parameter.endsWith(".bias")
                ? parameter.substring(0, parameter.lastIndexOf('.')) : parameter;
        return module.substring(module.lastIndexOf('.') + 1);
    }

    private final class LoraPrepared implements Prepared {
        private final LanguageModel model;
        private final NDManager manager;
        private final List<LoraAdapter> adapters;
        private final Map<String, NDArray> trainable;
        private final Map<String, NDArray> extras;
        private boolean merged;
        private boolean closed;

        LoraPrepared(LanguageModel model, NDManager manager, List<LoraAdapter> adapters,
                Map<String, NDArray> trainable, Map<String, NDArray> extras) {
            this.model = model;
            this.manager = manager;
            this.adapters = adapters;
            this.trainable = trainable;
            this.extras = extras;
        }

        @Override
        public Map<String, NDArray> trainable() {
            return trainable;
        }

        @Override
        public Map<String, Double> learningRateScale() {
            if (loraplusRatio == null) {
                return Map.of();
            }
            Map<String, Double> out = new LinkedHashMap<>();
            for (Map.Entry<String, NDArray> e : trainable.entrySet()) {
                if (e.getKey().endsWith(".lora_B.weight") || e.getValue().getShape().dimension() == 1) {
                    out.put(e.getKey(), loraplusRatio);
                }
            }
            return out;
        }

        @Override
        public boolean hasFrozenBase() {
            return !merged;
        }

        @Override
        public <T> T withAdaptersDisabled(Supplier<T> body) {
            if (merged) {
                throw new IllegalStateException("the adapters were merged into the base weights");
            }
            adapters.forEach(a -> a.disabled = true);
            try {
                return body.get();
            } finally {
                adapters.forEach(a -> a.disabled = false);
            }
        }

        @Override
        public void export(Path directory) throws IOException {
            Files.createDirectories(directory);
            Map<String, NDArray> tensors = new LinkedHashMap<>();
            for (LoraAdapter ad : adapters) {
                String key = PREFIX + ad.layer.name();
                tensors.put(key + ".lora_A.weight", ad.a);
                tensors.put(key + ".lora_B.weight", ad.b);
                if (ad.magnitude != null) {
                    tensors.put(key + ".lora_magnitude_vector", ad.magnitude);
                }
            }
            for (Map.Entry<String, NDArray> e : extras.entrySet()) {
                tensors.put(PREFIX + e.getKey(), e.getValue()); // modules_to_save, PEFT's saved key layout
            }
            TensorFile.write(directory.resolve("adapter_model.safetensors"), tensors, Map.of("format", "pt"));
            Files.writeString(directory.resolve("adapter_config.json"),
                    JSON.writeValueAsString(adapterConfig(adapters, extras)) + "\n");
        }

        /**
         * A checkpoint becomes a PEFT adapter folder too: the {@code adapter_config.json} of {@link #export}, and
         * {@code adapter_model.safetensors} holding the checkpoint's own tensor values. Without extra trainables the
         * checkpoint's {@code trainable.safetensors} already holds exactly PEFT's keys
         * ({@code base_model.model.<module>.lora_A.weight} …), so the adapter file is a hard link to it (no extra
         * disk; a copy where the file system has no links). With LongLoRA's trainable embeddings and norms, which the
         * checkpoint keeps under their Hugging Face names for resuming, the adapter file is written with those under
         * PEFT's {@code modules_to_save} keys, as {@link #export} names them.
         */
        @Override
        public void writeCheckpointFiles(Path folder) throws IOException {
            Path trainableFile = folder.resolve(Checkpoints.TRAINABLE);
            Path adapterFile = folder.resolve("adapter_model.safetensors");
            if (extras.isEmpty()) {
                try {
                    Files.createLink(adapterFile, trainableFile);
                } catch (UnsupportedOperationException | IOException e) {
                    Files.copy(trainableFile, adapterFile, StandardCopyOption.REPLACE_EXISTING);
                    force(adapterFile);
                }
            } else {
                Map<String, TensorFile.Tensor> saved = TensorFile.read(trainableFile);
                Map<String, long[]> shapes = new LinkedHashMap<>();
                Map<String, String> source = new LinkedHashMap<>();
                saved.forEach((name, t) -> {
                    String key = extras.containsKey(name) ? PREFIX + name : name;
                    shapes.put(key, t.shape());
                    source.put(key, name);
                });
                TensorFile.write(adapterFile, shapes,
                        key -> saved.get(source.get(key)).data(), Map.of("format", "pt"));
            }
            Path configFile = folder.resolve("adapter_config.json");
            Files.writeString(configFile, JSON.writeValueAsString(adapterConfig(adapters, extras)) + "\n");
            force(configFile);
        }

        private static void force(Path file) throws IOException {
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
        }

        @Override
        public void merge() {
            if (merged) {
                return;
            }
            for (LoraAdapter ad : adapters) {
                try (NDManager scratch = manager.newSubManager()) {
                    ad.mergeInto(scratch);
                }
            }
            merged = true;
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            try {
                if (!merged) {
                    for (LoraAdapter ad : adapters) {
                        if (!ad.layer.hasDenseWeight()) {
                            // QLoRA: the base comes back as the dequantized NF4 weight (what training saw).
                            NDArray w = ad.quantized.dequantize(manager);
                            w.detach();
                            ad.layer.restoreWeight(w);
                        }
                        ad.layer.setForward(null);
                    }
                }
                trainable.values().forEach(p -> p.setRequiresGradient(false));
            } finally {
                manager.close();
            }
        }
    }
}
