package dev.longtune.models.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.longtune.api.LongtuneException;
import dev.longtune.models.TestModels;
import dev.longtune.models.io.SafetensorsWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Merging a PEFT adapter written by hand in PEFT's layout: the merged weights equal W + s·B·A (and DoRA's row
 * rescaling) computed in plain Java double, and modules_to_save tensors replace the model's.
 */
class PeftAdapterMergeTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void loraAndDoraAndModulesToSaveMergeAsPeftDefinesThem() throws Exception {
        int r = 4;
        double alpha = 8;
        Random rnd = new Random(7);
        try (NDManager root = NDManager.newBaseManager(Device.cpu()); LlamaModel model = TestModels.stories(root)) {
            String q = "model.layers.1.self_attn.q_proj";
            String d = "model.layers.2.mlp.down_proj";
            float[] wq = model.parameters().get(q + ".weight").toFloatArray();
            float[] wd = model.parameters().get(d + ".weight").toFloatArray();
            int outQ = 64, inQ = 64, outD = 64, inD = 172;
            float[] aq = random(rnd, r * inQ), bq = random(rnd, outQ * r);
            float[] ad = random(rnd, r * inD), bd = random(rnd, outD * r), md = new float[outD];
            for (int i = 0; i < outD; i++) {
                md[i] = 0.5f + rnd.nextFloat();
            }
            float[] norm = new float[64];
            for (int i = 0; i < 64; i++) {
                norm[i] = 1 + i / 64f;
            }
            Map<String, NDArray> tensors = new LinkedHashMap<>();
            tensors.put("base_model.model." + q + ".lora_A.weight", root.create(aq, new Shape(r, inQ)));
            tensors.put("base_model.model." + q + ".lora_B.weight", root.create(bq, new Shape(outQ, r)));
            tensors.put("base_model.model." + d + ".lora_A.weight", root.create(ad, new Shape(r, inD)));
            tensors.put("base_model.model." + d + ".lora_B.weight", root.create(bd, new Shape(outD, r)));
            tensors.put("base_model.model." + d + ".lora_magnitude_vector", root.create(md, new Shape(outD)));
            tensors.put("base_model.model.model.norm.weight", root.create(norm, new Shape(64)));
            Path dir = tmp.resolve("adapter");
            Files.createDirectories(dir);
            SafetensorsWriter.write(dir.resolve("adapter_model.safetensors"), tensors);
            JSON.writeValue(dir.resolve("adapter_config.json").toFile(), Map.of("peft_type", "LORA", "r", r,
                    "lora_alpha", alpha, "use_dora", true, "target_modules", new String[] {"q_proj", "down_proj"}));

            model.mergeAdapter(dir);

            double s = alpha / r;
            double[] expectQ = plusBa(wq, bq, aq, outQ, inQ, r, s);
            double[] expectD = plusBa(wd, bd, ad, outD, inD, r, s);
            for (int o = 0; o < outD; o++) { // DoRA: rows rescaled to the magnitude vector
                double n = 0;
                for (int i = 0; i < inD; i++) {
                    n += expectD[o * inD + i] * expectD[o * inD + i];
                }
                double g = md[o] / Math.sqrt(n);
                for (int i = 0; i < inD; i++) {
                    expectD[o * inD + i] *= g;
                }
            }
            assertClose(expectQ, model.parameters().get(q + ".weight").toFloatArray());
            assertClose(expectD, model.parameters().get(d + ".weight").toFloatArray());
            float[] merged = model.parameters().get("model.norm.weight").toFloatArray();
            assertEquals(norm[10], merged[10], 0f, "modules_to_save replace the model's tensor");
            assertTrue(model.linearLayers().get(q).weight() == model.parameters().get(q + ".weight"),
                    "merged in place: the layer and the parameter map hold the same array");

            Path bad = tmp.resolve("bad");
            Files.createDirectories(bad);
            SafetensorsWriter.write(bad.resolve("adapter_model.safetensors"), Map.of(
                    "base_model.model.model.layers.9.self_attn.q_proj.lora_A.weight", root.create(aq, new Shape(r, 64)),
                    "base_model.model.model.layers.9.self_attn.q_proj.lora_B.weight", root.create(bq, new Shape(64, r))));
            JSON.writeValue(bad.resolve("adapter_config.json").toFile(), Map.of("peft_type", "LORA", "r", r));
            LongtuneException e = assertThrows(LongtuneException.class, () -> model.mergeAdapter(bad));
            assertTrue(e.getMessage().contains("model.layers.9.self_attn.q_proj"), e.getMessage());
        }
    }

    private static double[] plusBa(float[] w, float[] b, float[] a, int out, int in, int r, double s) {
        double[] m = new double[out * in];
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < in; i++) {
                double acc = 0;
                for (int k = 0; k < r; k++) {
                    acc += (double) b[o * r + k] * a[k * in + i];
                }
                m[o * in + i] = w[o * in + i] + s * acc;
            }
        }
        return m;
    }

    private static float[] random(Random rnd, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (rnd.nextGaussian() * 0.1);
        }
        return x;
    }

    private static void assertClose(double[] expected, float[] actual) {
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            worst = Math.max(worst, Math.abs(expected[i] - actual[i]));
        }
        assertTrue(worst < 1e-5, "max |merged - reference| = " + worst);
    }
}
