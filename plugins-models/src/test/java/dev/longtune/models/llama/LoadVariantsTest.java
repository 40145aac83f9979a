package dev.longtune.models.llama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longtune.api.ForwardInput;
import dev.longtune.api.ModelLoadRequest;
import dev.longtune.conformance.Fixtures;
import dev.longtune.models.TestModels;
import dev.longtune.models.io.SafetensorsReader;
import dev.longtune.models.io.SafetensorsWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sharded checkpoints and fp16 compute load and agree with the single-file fp32 model. */
class LoadVariantsTest {

    private static final long[] IDS = {1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315};

    private static float[] logits(LlamaModel m, NDManager root) {
        try (NDManager step = root.newSubManager()) {
            return m.forward(ForwardInput.of(step.create(IDS, new Shape(1, IDS.length)))).toFloatArray();
        }
    }

    @Test
    void shardedCheckpointViaIndexJson(@TempDir Path tmp) throws Exception {
        Path src = Fixtures.stories260K();
        Path dir = Files.createDirectories(tmp.resolve("sharded"));
        for (String f : new String[] {"config.json", "tokenizer.json", "tokenizer_config.json"}) {
            Files.copy(src.resolve(f), dir.resolve(f));
        }
        ObjectNode index = TestModels.JSON.createObjectNode();
        ObjectNode map = index.putObject("weight_map");
        try (NDManager root = NDManager.newBaseManager(Device.cpu())) {
            Map<String, NDArray> a = new LinkedHashMap<>();
            Map<String, NDArray> b = new LinkedHashMap<>();
            try (SafetensorsReader r = SafetensorsReader.open(src.resolve("model.safetensors"))) {
                for (String n : r.tensors().keySet()) {
                    boolean first = n.startsWith("model.layers.0") || n.startsWith("model.layers.1")
                            || n.startsWith("model.embed");
                    (first ? a : b).put(n, r.read(n, root, DataType.FLOAT32));
                    map.put(n, first ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors");
                }
            }
            SafetensorsWriter.write(dir.resolve("model-00001-of-00002.safetensors"), a);
            SafetensorsWriter.write(dir.resolve("model-00002-of-00002.safetensors"), b);
            TestModels.JSON.writeValue(dir.resolve("model.safetensors.index.json").toFile(), index);
            try (LlamaModel single = TestModels.stories(root); LlamaModel sharded = TestModels.load(dir, root)) {
                assertArrayEquals(logits(single, root), logits(sharded, root), 0f);
            }
        }
    }

    @Test
    void float16ComputeIsCloseToFloat32() throws Exception {
        Path dir = Fixtures.stories260K();
        try (NDManager root = NDManager.newBaseManager(Device.cpu());
                LlamaModel f32 = TestModels.stories(root);
                LlamaModel f16 = new LlamaArchitecture().loadLlama(new ModelLoadRequest(dir, TestModels.config(dir),
                        null, DataType.FLOAT16, Device.cpu(), root))) {
            assertEquals(DataType.FLOAT16, f16.parameters().get("model.norm.weight").getDataType());
            float[] a = logits(f32, root);
            float[] b = logits(f16, root);
            double worst = 0;
            for (int i = 0; i < a.length; i++) {
                worst = Math.max(worst, Math.abs(a[i] - b[i]));
            }
            System.out.println("max |fp16 - fp32| logit difference: " + worst);
            assertTrue(worst < 0.1, "fp16 logits differ by " + worst);
        }
    }
}
