package dev.longtune.training.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.longtune.models.io.SafetensorsReader;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * plugins-training's one safetensors writer ({@link TensorFile}, which replaced the adapter writer
 * {@code trains/SafetensorsOut}): the bytes of a PEFT adapter file are exactly the safetensors layout the old writer
 * produced (assembled here by hand from the format's spec), and plugins-models' own {@link SafetensorsReader} reads
 * them back, F16 inputs widened to F32 exactly.
 */
class TensorFileFormatTest {

    @TempDir
    Path tmp;

    @Test
    void adapterFilesAreByteForByteTheOldLayoutAndReadByPluginsModels() throws Exception {
        float[] a = {1.5f, -2f, 0.25f, 3f, 0f, -0.125f};
        float[] b = {0.5f, 4f};
        Path file = tmp.resolve("adapter_model.safetensors");
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            Map<String, NDArray> tensors = new LinkedHashMap<>();
            tensors.put("base_model.model.x.lora_A.weight", m.create(a, new Shape(2, 3)));
            // F16 holds these values exactly: widening must give them back bit for bit.
            tensors.put("base_model.model.x.lora_B.weight", m.create(b, new Shape(2, 1)).toType(DataType.FLOAT16,
                    false));
            tensors.put("base_model.model.x.lora_magnitude_vector", m.create(b, new Shape(2)));
            TensorFile.write(file, tensors, Map.of("format", "pt"));
        }

        String header = "{\"__metadata__\":{\"format\":\"pt\"},"
                + "\"base_model.model.x.lora_A.weight\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]},"
                + "\"base_model.model.x.lora_B.weight\":{\"dtype\":\"F32\",\"shape\":[2,1],\"data_offsets\":[24,32]},"
                + "\"base_model.model.x.lora_magnitude_vector\":{\"dtype\":\"F32\",\"shape\":[2],"
                + "\"data_offsets\":[32,40]}}";
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        int padded = (h.length + 7) / 8 * 8;
        ByteArrayOutputStream want = new ByteArrayOutputStream();
        want.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).array());
        want.write(h);
        for (int i = h.length; i < padded; i++) {
            want.write(' ');
        }
        ByteBuffer data = ByteBuffer.allocate(40).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : a) {
            data.putFloat(v);
        }
        for (float v : b) {
            data.putFloat(v);
        }
        for (float v : b) {
            data.putFloat(v);
        }
        want.write(data.array());
        assertArrayEquals(want.toByteArray(), Files.readAllBytes(file));
        assertEquals(List.of(file), Files.list(tmp).toList(), "no .tmp left behind");

        try (SafetensorsReader r = SafetensorsReader.open(file)) {
            assertEquals(Map.of("format", "pt"), r.metadata());
            assertEquals(List.of("base_model.model.x.lora_A.weight", "base_model.model.x.lora_B.weight",
                    "base_model.model.x.lora_magnitude_vector"), List.copyOf(r.tensors().keySet()));
            assertArrayEquals(new long[] {2, 3}, r.info("base_model.model.x.lora_A.weight").shape());
            assertArrayEquals(a, r.readFloats("base_model.model.x.lora_A.weight"));
            assertArrayEquals(b, r.readFloats("base_model.model.x.lora_B.weight"));
            assertArrayEquals(b, r.readFloats("base_model.model.x.lora_magnitude_vector"));
        }
        // And by TensorFile's own reader, as checkpoints are.
        assertArrayEquals(a, TensorFile.read(file).get("base_model.model.x.lora_A.weight").data());
    }

    @Test
    void checkpointFilesWithoutMetadataAreReadByPluginsModelsToo() throws Exception {
        Path file = tmp.resolve("trainable.safetensors");
        Map<String, long[]> shapes = new LinkedHashMap<>();
        shapes.put("w", new long[] {3});
        TensorFile.write(file, shapes, n -> new float[] {1f, 2f, 3f}, Map.of());
        try (SafetensorsReader r = SafetensorsReader.open(file)) {
            assertEquals(Map.of(), r.metadata());
            assertArrayEquals(new float[] {1f, 2f, 3f}, r.readFloats("w"));
        }
        byte[] bytes = Files.readAllBytes(file);
        String head = new String(bytes, 8, (int) ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN)
                .getLong(), StandardCharsets.UTF_8);
        assertEquals("{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,12]}}", head.trim());
    }
}
