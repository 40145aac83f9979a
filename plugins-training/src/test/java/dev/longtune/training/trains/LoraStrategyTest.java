package dev.longtune.training.trains;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longtune.api.ForwardInput;
import dev.longtune.api.LanguageModel;
import dev.longtune.api.LinearLayer;
import dev.longtune.api.LongtuneException;
import dev.longtune.api.ModelLoadRequest;
import dev.longtune.api.config.OptionsBinder;
import dev.longtune.conformance.Fixtures;
import dev.longtune.conformance.TestRunContext;
import dev.longtune.models.llama.LlamaArchitecture;
import dev.longtune.training.optim.AdamW;
import dev.longtune.training.sft.SftOptions;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The adapter strategies on the real stories260K (5 layers, hidden 64): exactness, merging, export layout. */
class LoraStrategyTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int[] IDS = {1, 403, 261, 378, 299, 270, 307, 379, 410, 264, 300, 1, 72, 500, 2, 9};

    @TempDir
    Path tmp;

    static LanguageModel load(NDManager parent, Path dir) throws IOException {
        ObjectNode config = (ObjectNode) JSON.readTree(dir.resolve("config.json").toFile());
        return new LlamaArchitecture().loadLlama(
                new ModelLoadRequest(dir, config, null, DataType.FLOAT32, Device.cpu(), parent));
    }

    static float[] logits(LanguageModel model, NDManager root) {
        try (NDManager step = root.newSubManager()) {
            NDArray in = step.create(IDS, new Shape(1, IDS.length));
            return model.forward(new ForwardInput(in, null, null, false)).toFloatArray();
        }
    }

    static TrainableStrategy strategy(String yamlJson) throws IOException {
        return TrainableStrategies.create(JSON.readTree(yamlJson), "method.trains");
    }

    static double maxAbsDiff(float[] a, float[] b) {
        assertEquals(a.length, b.length);
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

    /** Adds N(0, scale²) noise in place to every trainable whose name ends with {@code suffix}. */
    static void perturb(Map<String, NDArray> trainable, String suffix, double scale, long seed) {
        Random rng = new Random(seed);
        for (Map.Entry<String, NDArray> e : trainable.entrySet()) {
            if (e.getKey().endsWith(suffix)) {
                NDArray p = e.getValue();
                float[] noise = new float[(int) p.size()];
                for (int i = 0; i < noise.length; i++) {
                    noise[i] = (float) (rng.nextGaussian() * scale);
                }
                try (NDArray view = p.stopGradient(); NDArray n = view.getManager().create(noise, p.getShape())) {
                    view.addi(n);
                }
            }
        }
    }

    @Test
    void loraWithZeroBReproducesTheBaseLogitsExactly() throws Exception {
        try (TestRunContext ctx = new TestRunContext(tmp, 42L, "alpaca");
                LanguageModel model = load(ctx.manager(), Fixtures.stories260K())) {
            float[] base = logits(model, ctx.manager());
            TrainableStrategy s = strategy("{\"type\": \"lora\", \"r\": 8, \"alpha\": 16, \"target_modules\": "
                    + "\"all-linear\", \"dropout\": 0.1}");
            try (TrainableStrategy.Prepared p = s.prepare(model, ctx)) {
                assertEquals(5 * 7 * 2, p.trainable().size());
                for (LinearLayer l : model.linearLayers().values()) {
                    assertTrue(l.forward() != null, l.name());
                }
                for (NDArray w : model.parameters().values()) {
                    assertFalse(w.hasGradient(), "the base is frozen");
                }
                assertEquals(0.0, maxAbsDiff(base, logits(model, ctx.manager())), "B = 0: exactly the base");
                assertTrue(p.hasFrozenBase());
            }
            for (LinearLayer l : model.linearLayers().values()) {
                assertNull(l.forward(), "closing removes the adapters");
            }
            assertEquals(0.0, maxAbsDiff(base, logits(model, ctx.manager())));
        }
    }

    @Test
    void mergedWeightsReproduceTheAdapterModelForLoraAndDora() throws Exception {
        for (String type : new String[] {"lora", "dora"}) {
            try (TestRunContext ctx = new TestRunContext(tmp, 42L, "alpaca");
                    LanguageModel model = load(ctx.manager(), Fixtures.stories260K())) {
                float[] base = logits(model, ctx.manager());
                TrainableStrategy s = strategy("{\"type\": \"" + type + "\", \"r\": 4, \"alpha\": 8, "
                        + "\"target_modules\": \"all-linear\", \"use_rslora\": true}");
                float[] adapted;
                float[] disabled;
                try (TrainableStrategy.Prepared p = s.prepare(model, ctx)) {
                    perturb(p.trainable(), "lora_B.weight", 0.05, 1);
                    perturb(p.trainable(), "lora_magnitude_vector", 0.05, 2);
                    adapted = logits(model, ctx.manager());
                    disabled = p.withAdaptersDisabled(() -> logits(model, ctx.manager()));
                    p.merge();
                    float[] merged = logits(model, ctx.manager());
                    double diff = maxAbsDiff(adapted, merged);
                    double moved = maxAbsDiff(base, adapted);
                    System.out.printf("%s merge: max |logit(adapters) - logit(merged)| = %.2e (adapters moved the "
                            + "logits by up to %.3f)%n", type, diff, moved);
                    assertTrue(moved > 0.05, "the perturbed adapters change the model: " + moved);
                    assertTrue(diff < 2e-4, type + " merged vs adapters: " + diff);
                    assertFalse(p.hasFrozenBase());
                }
                assertEquals(0.0, maxAbsDiff(base, disabled), "adapters disabled = the base model");
                // The merged model saves as a plain Hugging Face checkpoint that reloads to the same logits.
                Path out = tmp.resolve("merged-" + type);
                model.save(out);
                try (LanguageModel reloaded = load(ctx.manager(), out)) {
                    double d = maxAbsDiff(adapted, logits(reloaded, ctx.manager()));
                    assertTrue(d < 2e-4, "reloaded merged checkpoint: " + d);
                }
            }
        }
    }

    @Test
    void peftExportLayout() throws Exception {
        try (TestRunContext ctx = new TestRunContext(tmp, 42L, "alpaca");
                LanguageModel model = load(ctx.manager(), Fixtures.stories260K())) {
            try (TrainableStrategy.Prepared p = strategy("{\"type\": \"lora\", \"r\": 8, \"alpha\": 16, "
                    + "\"base_model_name_or_path\": \"stories260K\"}").prepare(model, ctx)) {
                Path dir = tmp.resolve("lora");
                p.export(dir);
                List<String> expected = new ArrayList<>();
                for (int i = 0; i < 5; i++) {
                    for (String m : new String[] {"q_proj", "v_proj"}) {
                        for (String w : new String[] {"lora_A", "lora_B"}) {
                            expected.add("base_model.model.model.layers." + i + ".self_attn." + m + "." + w
                                    + ".weight");
                        }
                    }
                }
                Map<String, long[]> keys = safetensorsKeys(dir.resolve("adapter_model.safetensors"));
                assertEquals(new TreeSet<>(expected), new TreeSet<>(keys.keySet()));
                assertEquals(List.of(8L, 64L), List.of(keys.get(expected.get(0))[0], keys.get(expected.get(0))[1]));
                // v_proj: 4 kv heads x head_dim 8 = 32 outputs
                long[] vb = keys.get("base_model.model.model.layers.0.self_attn.v_proj.lora_B.weight");
                assertEquals(List.of(32L, 8L), List.of(vb[0], vb[1]));
                JsonNode c = JSON.readTree(dir.resolve("adapter_config.json").toFile());
                assertEquals("LORA", c.get("peft_type").asText());
                assertEquals("CAUSAL_LM", c.get("task_type").asText());
                assertEquals(8, c.get("r").asInt());
                assertEquals(16, c.get("lora_alpha").asInt());
                assertEquals(0.0, c.get("lora_dropout").asDouble());
                assertFalse(c.get("use_rslora").asBoolean());
                assertFalse(c.get("use_dora").asBoolean());
                assertEquals("none", c.get("bias").asText());
                assertEquals("stories260K", c.get("base_model_name_or_path").asText());
                assertEquals(List.of("q_proj", "v_proj"), strings(c.get("target_modules")));
                assertTrue(c.get("init_lora_weights").asBoolean());
                assertTrue(c.get("modules_to_save").isNull());
                assertFalse(c.get("fan_in_fan_out").asBoolean());
            }
            try (TrainableStrategy.Prepared p = strategy("{\"type\": \"dora\", \"target_modules\": [\"o_proj\", "
                    + "\"down_proj\"]}").prepare(model, ctx)) {
                Path dir = tmp.resolve("dora");
                p.export(dir);
                Map<String, long[]> keys = safetensorsKeys(dir.resolve("adapter_model.safetensors"));
                assertEquals(5 * 2 * 3, keys.size());
                assertEquals(List.of(64L), List.of(keys.get(
                        "base_model.model.model.layers.4.mlp.down_proj.lora_magnitude_vector")[0]));
                assertTrue(keys.containsKey("base_model.model.model.layers.2.self_attn.o_proj.lora_magnitude_vector"));
                JsonNode c = JSON.readTree(dir.resolve("adapter_config.json").toFile());
                assertTrue(c.get("use_dora").asBoolean());
                assertEquals(List.of("down_proj", "o_proj"), strings(c.get("target_modules")));
                assertEquals(8, c.get("r").asInt());
                assertEquals(8, c.get("lora_alpha").asInt());
            }
            try (TrainableStrategy.Prepared p = strategy("{\"type\": \"lora\", \"target_modules\": \"all-linear\"}")
                    .prepare(model, ctx)) {
                p.export(tmp.resolve("all"));
                JsonNode c = JSON.readTree(tmp.resolve("all/adapter_config.json").toFile());
                assertEquals(List.of("down_proj", "gate_proj", "k_proj", "o_proj", "q_proj", "up_proj", "v_proj"),
                        strings(c.get("target_modules")));
            }
        }
    }

    @Test
    void qloraHoldsTheBaseIn4BitsAndEqualsLoraOnTheDequantizedWeights() throws Exception {
        try (TestRunContext ctx = new TestRunContext(tmp, 42L, "alpaca");
                LanguageModel model = load(ctx.manager(), Fixtures.stories260K())) {
            float[] base = logits(model, ctx.manager());
            NDArray q0 = model.parameters().get("model.layers.0.self_attn.q_proj.weight");
            float[] quantized;
            try (TrainableStrategy.Prepared p = strategy("{\"type\": \"qlora\", \"r\": 8, \"target_modules\": "
                    + "\"all-linear\"}").prepare(model, ctx)) {
                LinearLayer l = model.linearLayers().get("model.layers.0.self_attn.q_proj");
                assertFalse(l.hasDenseWeight());
                assertNull(l.weight());
                assertSame(q0, model.parameters().get("model.layers.0.self_attn.q_proj.weight"));
                assertEquals(0, q0.size(), "the dense tensor was freed: a [0] placeholder remains");
                quantized = logits(model, ctx.manager());
                double d = maxAbsDiff(base, quantized);
                double range = 0;
                for (float v : base) {
                    range = Math.max(range, Math.abs(v));
                }
                System.out.printf("qlora on stories260K: NF4 base moves the logits by up to %.4f (max |logit| %.2f)"
                        + "%n", d, range);
                assertTrue(d > 0 && d < 0.5 * range, "NF4 is close to, not equal to, the base: " + d);
            }
            // Closing puts the dequantized NF4 weights back as dense weights: LoRA on them (B = 0) is exactly the
            // QLoRA model.
            LinearLayer l = model.linearLayers().get("model.layers.0.self_attn.q_proj");
            assertTrue(l.hasDenseWeight());
            assertSame(q0, l.weight());
            assertEquals(64 * 64, q0.size());
            try (TrainableStrategy.Prepared p = strategy("{\"type\": \"lora\", \"target_modules\": \"all-linear\"}")
                    .prepare(model, ctx)) {
                assertEquals(0.0, maxAbsDiff(quantized, logits(model, ctx.manager())));
            }
        }
    }

    @Test
    void pissaSplitsTheWeightIntoResidualAndAdapter() throws Exception {
        try (TestRunContext ctx = new TestRunContext(tmp, 42L, "alpaca");
                LanguageModel model = load(ctx.manager(), Fixtures.stories260K())) {
            float[] base = logits(model, ctx.manager());
            float[] w = model.parameters().get("model.layers.1.mlp.up_proj.weight").toFloatArray(); // [172, 64]
            try (TrainableStrategy.Prepared p = strategy("{\"type\": \"lora\", \"r\": 4, \"alpha\": 8, "
                    + "\"init\": \"pissa\", \"target_modules\": \"all-linear\"}").prepare(model, ctx)) {
                String k = "base_model.model.model.layers.1.mlp.up_proj.";
                float[] a = p.trainable().get(k + "lora_A.weight").toFloatArray();
                float[] b = p.trainable().get(k + "lora_B.weight").toFloatArray();
                float[] res = model.parameters().get("model.layers.1.mlp.up_proj.weight").toFloatArray();
                double s = 2.0;
                double maxErr = 0;
                for (int i = 0; i < 172; i++) {
                    for (int j = 0; j < 64; j++) {
                        double d = 0;
                        for (int q = 0; q < 4; q++) {
                            d += (double) b[i * 4 + q] * a[q * 64 + j];
                        }
                        maxErr = Math.max(maxErr, Math.abs(res[i * 64 + j] + s * d - w[i * 64 + j]));
                    }
                }
                assertTrue(maxErr < 1e-5, "W = residual + s·B·A: " + maxErr);
                // A's rows are orthogonal with squared norms S_q / s (PiSSA: A = diag(sqrt(S_r / s))·Vᵀ_r).
                double dot = 0;
                for (int j = 0; j < 64; j++) {
                    dot += (double) a[j] * a[64 + j];
                }
                assertEquals(0.0, dot, 1e-4);
                double diff = maxAbsDiff(base, logits(model, ctx.manager()));
                System.out.printf("pissa init: max |logit change| = %.2e%n", diff);
                assertTrue(diff < 1e-4, "PiSSA leaves the model's function unchanged at init: " + diff);
            }
        }
    }

    @Test
    void svdMatchesItsDefinition() {
        Random rng = new Random(5);
        double[][] m = new double[7][4];
        for (double[] row : m) {
            for (int j = 0; j < row.length; j++) {
                row[j] = rng.nextGaussian();
            }
        }
        for (double[][] a : new double[][][] {m, Svd.transpose(m)}) {
            Svd.Result r = Svd.of(a);
            for (int k = 1; k < r.s().length; k++) {
                assertTrue(r.s()[k - 1] >= r.s()[k]);
            }
            for (int i = 0; i < a.length; i++) {
                for (int j = 0; j < a[0].length; j++) {
                    double v = 0;
                    for (int k = 0; k < r.s().length; k++) {
                        v += r.u()[i][k] * r.s()[k] * r.vt()[k][j];
                    }
                    assertEquals(a[i][j], v, 1e-12);
                }
            }
        }
    }

    @Test
    void loraPlusScalesBAndOneDimensionalParameters() throws Exception {
        try (TestRunContext ctx = new TestRunContext(tmp, 42L, "alpaca");
                LanguageModel model = load(ctx.manager(), Fixtures.stories260K())) {
            try (TrainableStrategy.Prepared p = strategy("{\"type\": \"dora\", \"loraplus_lr_ratio\": 16, "
                    + "\"target_modules\": [\"q_proj\"]}").prepare(model, ctx)) {
                Map<String, Double> scales = p.learningRateScale();
                assertEquals(10, scales.size(), "5 lora_B + 5 magnitude vectors");
                assertEquals(16.0, scales.get("base_model.model.model.layers.3.self_attn.q_proj.lora_B.weight"));
                assertEquals(16.0, scales.get("base_model.model.model.layers.3.self_attn.q_proj.lora_magnitude_vector"));
                assertFalse(scales.containsKey("base_model.model.model.layers.3.self_attn.q_proj.lora_A.weight"));
            }
        }
        // AdamW with scales: Adam's first step is lr·g/(|g| + eps) per element, so a 16x scale moves 16x as far.
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> params = new LinkedHashMap<>();
            params.put("a", m.zeros(new Shape(3)));
            params.put("b", m.zeros(new Shape(3)));
            List<NDArray> grads = List.of(m.create(new float[] {1, -2, 3}), m.create(new float[] {1, -2, 3}));
            try (AdamW opt = new AdamW(params, 0.9, 0.999, 1e-8, 0.0, m, Map.of("b", 16.0))) {
                assertEquals(16.0, opt.learningRateScale("b"));
                opt.step(grads, 1e-3);
            }
            float[] a = params.get("a").toFloatArray();
            float[] b = params.get("b").toFloatArray();
            for (int i = 0; i < 3; i++) {
                assertEquals(16 * a[i], b[i], 1e-7);
                assertEquals(-1e-3 * Math.signum(grads.get(0).toFloatArray()[i]), a[i], 1e-7);
            }
            try (AdamW opt = new AdamW(params, 0.9, 0.999, 1e-8, 0.0, m)) {
                assertEquals(1.0, opt.learningRateScale("b"), "scales are per optimiser, not ambient");
            }
        }
    }

    @Test
    void badStrategiesFailWhenTheOptionsAreBound() {
        String[] bad = {
            "{\"trains\": {\"type\": \"lorra\"}}",
            "{\"trains\": {\"type\": \"lora\", \"r\": 0}}",
            "{\"trains\": {\"type\": \"lora\", \"rank\": 8}}",
            "{\"trains\": {\"type\": \"lora\", \"init\": \"olora\"}}",
            "{\"trains\": {\"type\": \"lora\", \"block_size\": 64}}",
            "{\"trains\": {\"type\": \"qlora\", \"block_size\": 100}}",
            "{\"trains\": {\"type\": \"lora\", \"target_modules\": []}}",
            "{\"trains\": {\"type\": \"lora\"}, \"freeze_layers\": 2}",
            "{\"trains\": {\"type\": \"freeze\", \"trainable_layers\": 0}}",
        };
        for (String b : bad) {
            LongtuneException e = assertThrows(LongtuneException.class, () -> OptionsBinder.bind(
                    (ObjectNode) JSON.readTree(b), SftOptions.class, "method 'sft'", "method", OptionsBinder.NO_LINES),
                    b);
            System.out.println("rejected " + b + ": " + e.getMessage());
        }
        SftOptions ok = OptionsBinder.bind((ObjectNode) json("{\"trains\": {\"type\": \"qlora\", \"r\": 16, "
                + "\"alpha\": 32, \"target_modules\": \"all-linear\", \"double_quant\": false}}"), SftOptions.class,
                "method 'sft'", "method", OptionsBinder.NO_LINES);
        assertEquals("qlora", ok.strategy().name());
        assertEquals("full", SftOptions.defaults().strategy().name());
        assertEquals("full", new SftOptions(false, 2).strategy().name());
    }

    @Test
    void freezeTrainsTheLastLayers() throws Exception {
        try (TestRunContext ctx = new TestRunContext(tmp, 42L, "alpaca");
                LanguageModel model = load(ctx.manager(), Fixtures.stories260K())) {
            try (TrainableStrategy.Prepared p = strategy("{\"type\": \"freeze\", \"trainable_layers\": 2, "
                    + "\"trainable_modules\": [\"mlp\"], \"extra_modules\": [\"model.norm\"]}").prepare(model, ctx)) {
                assertEquals(new TreeSet<>(List.of("model.layers.3.mlp.gate_proj.weight",
                        "model.layers.3.mlp.up_proj.weight", "model.layers.3.mlp.down_proj.weight",
                        "model.layers.4.mlp.gate_proj.weight", "model.layers.4.mlp.up_proj.weight",
                        "model.layers.4.mlp.down_proj.weight", "model.norm.weight")),
                        new TreeSet<>(p.trainable().keySet()));
                assertFalse(p.hasFrozenBase());
            }
        }
    }

    @Test
    void contextExtensionTrainablesJoinTheAdaptersAndExportAsModulesToSave() throws Exception {
        try (TestRunContext ctx = new TestRunContext(tmp, 42L, "alpaca")) {
            Path dir = Fixtures.stories260K();
            ObjectNode config = (ObjectNode) JSON.readTree(dir.resolve("config.json").toFile());
            try (LanguageModel model = new LlamaArchitecture().loadLlama(new ModelLoadRequest(dir, config,
                    new EmbedNormExtension(), DataType.FLOAT32, Device.cpu(), ctx.manager()));
                    TrainableStrategy.Prepared p = strategy("{\"type\": \"lora\", \"r\": 8, \"alpha\": 16, "
                            + "\"target_modules\": [\"q_proj\", \"k_proj\", \"v_proj\", \"o_proj\"]}")
                            .prepare(model, ctx)) {
                // 5 layers x 4 projections x (A, B) + embed_tokens + 2 norms per layer + the final norm
                assertEquals(40 + 1 + 10 + 1, p.trainable().size());
                assertTrue(p.trainable().get("model.embed_tokens.weight").hasGradient());
                assertTrue(p.trainable().get("model.layers.2.input_layernorm.weight").hasGradient());
                p.export(tmp.resolve("longlora"));
                Map<String, long[]> keys = safetensorsKeys(tmp.resolve("longlora/adapter_model.safetensors"));
                assertTrue(keys.containsKey("base_model.model.model.embed_tokens.weight"));
                assertTrue(keys.containsKey("base_model.model.model.norm.weight"));
                assertTrue(keys.containsKey("base_model.model.model.layers.4.post_attention_layernorm.weight"));
                assertEquals(52, keys.size());
                JsonNode c = JSON.readTree(tmp.resolve("longlora/adapter_config.json").toFile());
                assertEquals(List.of("embed_tokens", "input_layernorm", "norm", "post_attention_layernorm"),
                        strings(c.get("modules_to_save")));
                assertEquals(List.of("k_proj", "o_proj", "q_proj", "v_proj"), strings(c.get("target_modules")));
            }
        }
    }

    private static JsonNode json(String s) {
        try {
            return JSON.readTree(s);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        for (Iterator<JsonNode> it = array.elements(); it.hasNext();) {
            out.add(it.next().asText());
        }
        return out;
    }

    static Map<String, long[]> safetensorsKeys(Path file) throws IOException {
        byte[] all = Files.readAllBytes(file);
        long n = ByteBuffer.wrap(all, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        JsonNode header = JSON.readTree(new String(all, 8, (int) n, StandardCharsets.UTF_8));
        assertEquals("pt", header.get("__metadata__").get("format").asText());
        Map<String, long[]> out = new LinkedHashMap<>();
        long end = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equals("__metadata__")) {
                continue;
            }
            assertEquals("F32", e.getValue().get("dtype").asText());
            JsonNode shape = e.getValue().get("shape");
            long[] s = new long[shape.size()];
            for (int i = 0; i < s.length; i++) {
                s[i] = shape.get(i).asLong();
            }
            out.put(e.getKey(), s);
            end = Math.max(end, e.getValue().get("data_offsets").get(1).asLong());
        }
        assertEquals(all.length, 8 + n + end);
        return out;
    }
}
