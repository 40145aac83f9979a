package dev.longtune.models.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longtune.conformance.Fixtures;
import dev.longtune.models.TestModels;
import dev.longtune.models.llama.LlamaModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sharded save in Hugging Face layout; loads back bit-identically through LlamaArchitecture. */
class ShardedCheckpointTest {

    private static final long MAX = 40_000; // stories260K: a 128 KiB embedding and ~16 KiB projections

    private static Set<String> listing(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return new TreeSet<>(s.map(p -> p.getFileName().toString()).toList());
        }
    }

    @Test
    void smallMaxShardSizeSplitsStoriesAndItLoadsBackBitIdentically(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("sharded");
        try (NDManager root = NDManager.newBaseManager(Device.cpu());
                LlamaModel a = TestModels.stories(root)) {
            ObjectNode config = TestModels.config(Fixtures.stories260K());
            config.put("some_unknown_key", "kept");
            config.putObject("nested_unknown").put("x", 1);
            HfCheckpointWriter.save(out, config, a.parameters(), Fixtures.stories260K(), MAX);

            // The files: N shards named model-0000i-of-0000N, the index, config and tokenizer files; no single file.
            Set<String> files = listing(out);
            assertFalse(files.contains("model.safetensors"), files.toString());
            List<String> shardFiles = files.stream().filter(f -> f.matches("model-\\d{5}-of-\\d{5}\\.safetensors"))
                    .toList();
            int n = shardFiles.size();
            assertTrue(n > 3, "expected several shards, got " + files);
            for (int i = 1; i <= n; i++) {
                assertTrue(files.contains(String.format("model-%05d-of-%05d.safetensors", i, n)), files.toString());
            }
            assertTrue(files.containsAll(List.of("config.json", "model.safetensors.index.json", "tokenizer.json",
                    "tokenizer_config.json")), files.toString());
            try (Stream<Path> s = Files.list(tmp)) {
                assertEquals(List.of(out), s.toList(), "no temporary folders left behind");
            }

            // The index: valid JSON, every tensor mapped exactly once to a shard that holds it, total_size = bytes.
            JsonNode index = TestModels.JSON.readTree(out.resolve("model.safetensors.index.json").toFile());
            JsonNode weightMap = index.get("weight_map");
            Map<String, String> mapped = new HashMap<>();
            weightMap.properties().forEach(e -> mapped.put(e.getKey(), e.getValue().asText()));
            assertEquals(weightMap.size(), mapped.size());
            assertEquals(a.parameters().keySet(), mapped.keySet());
            assertEquals(new HashSet<>(shardFiles), new HashSet<>(mapped.values()), "every shard is referenced");
            long expectedTotal = 0;
            for (NDArray p : a.parameters().values()) {
                expectedTotal += p.getShape().size() * 4;
            }
            assertEquals(expectedTotal, index.get("metadata").get("total_size").asLong());
            long inShards = 0;
            Set<String> seen = new HashSet<>();
            for (String shard : shardFiles) {
                try (SafetensorsReader r = SafetensorsReader.open(out.resolve(shard))) {
                    long bytes = 0;
                    for (SafetensorsReader.TensorInfo t : r.tensors().values()) {
                        assertEquals(shard, mapped.get(t.name()), t.name() + " is in the shard the index names");
                        assertTrue(seen.add(t.name()), t.name() + " is stored once");
                        bytes += t.end() - t.begin();
                    }
                    inShards += bytes;
                    assertTrue(bytes <= MAX || r.tensors().size() == 1,
                            shard + " holds " + bytes + " bytes; only a lone oversized tensor may exceed the max");
                }
            }
            assertEquals(expectedTotal, inShards);

            // Unknown config.json keys survive.
            ObjectNode saved = TestModels.config(out);
            assertEquals("kept", saved.get("some_unknown_key").asText());
            assertEquals(1, saved.get("nested_unknown").get("x").asInt());
            assertEquals(config, saved);

            // Loads back through LlamaArchitecture (the shard index reader) bit-identically.
            try (LlamaModel b = TestModels.load(out, root)) {
                assertEquals(new ArrayList<>(a.parameters().keySet()), new ArrayList<>(b.parameters().keySet()));
                for (Map.Entry<String, NDArray> e : a.parameters().entrySet()) {
                    NDArray other = b.parameters().get(e.getKey());
                    assertEquals(e.getValue().getShape(), other.getShape(), e.getKey());
                    assertArrayEquals(e.getValue().toFloatArray(), other.toFloatArray(), 0f, e.getKey());
                }
                int[] prompt = {1};
                var greedy = new dev.longtune.api.GenerationOptions(20, 0f, 0, 1f, 0L, false);
                assertArrayEquals(a.generate(prompt, greedy, null).tokenIds(),
                        b.generate(prompt, greedy, null).tokenIds());
            }

            // Re-saving the sharded folder as one file over itself gives back the single-file layout.
            try (LlamaModel b = TestModels.load(out, root)) {
                HfCheckpointWriter.save(out, TestModels.config(out), b.parameters(), out);
            }
            Set<String> single = listing(out);
            assertTrue(single.contains("model.safetensors"), single.toString());
            assertFalse(single.contains("model.safetensors.index.json"), single.toString());
            assertTrue(single.stream().noneMatch(f -> f.startsWith("model-")), single.toString());
            try (LlamaModel c = TestModels.load(out, root)) {
                for (Map.Entry<String, NDArray> e : a.parameters().entrySet()) {
                    assertArrayEquals(e.getValue().toFloatArray(), c.parameters().get(e.getKey()).toFloatArray(), 0f);
                }
            }
        }
    }

    @Test
    void defaultIsOneFileAndTheModelSaveStillWorks(@TempDir Path tmp) throws Exception {
        try (NDManager root = NDManager.newBaseManager(Device.cpu());
                LlamaModel a = TestModels.stories(root)) {
            a.save(tmp.resolve("one"));
            assertEquals(Set.of("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"),
                    listing(tmp.resolve("one")));
        }
    }

    @Test
    void shardsFollowTheMapOrderAndAnOversizedTensorStandsAlone() throws Exception {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            Map<String, NDArray> t = new java.util.LinkedHashMap<>();
            t.put("a", m.zeros(new ai.djl.ndarray.types.Shape(10))); // 40 bytes
            t.put("b", m.zeros(new ai.djl.ndarray.types.Shape(10))); // 40
            t.put("big", m.zeros(new ai.djl.ndarray.types.Shape(50))); // 200 > max
            t.put("c", m.zeros(new ai.djl.ndarray.types.Shape(5))); // 20
            t.put("d", m.zeros(new ai.djl.ndarray.types.Shape(20))); // 80
            List<Map<String, NDArray>> shards = HfCheckpointWriter.shards(t, 100);
            List<List<String>> names = shards.stream().map(s -> List.copyOf(s.keySet())).toList();
            assertEquals(List.of(List.of("a", "b"), List.of("big"), List.of("c", "d")), names);
            assertEquals(1, HfCheckpointWriter.shards(t, Long.MAX_VALUE).size());
            assertEquals(1, HfCheckpointWriter.shards(Map.of(), 100).size());
        }
    }

    @Test
    void sizesAndNamesAsInTransformers() {
        assertEquals(5_000_000_000L, HfCheckpointWriter.DEFAULT_MAX_SHARD_BYTES);
        assertEquals(5_000_000_000L, HfCheckpointWriter.parseSize("5GB"));
        assertEquals(500_000_000L, HfCheckpointWriter.parseSize("500MB"));
        assertEquals(2L << 30, HfCheckpointWriter.parseSize("2GiB"));
        assertEquals(1_500_000L, HfCheckpointWriter.parseSize("1.5 mb"));
        assertEquals(1234L, HfCheckpointWriter.parseSize("1234"));
        assertThrows(IllegalArgumentException.class, () -> HfCheckpointWriter.parseSize("five gigs"));
        assertEquals("model-00002-of-00010.safetensors", HfCheckpointWriter.shardName(2, 10));
    }
}
