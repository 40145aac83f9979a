package dev.longtune.training.stories;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longtune.api.DataRecord;
import dev.longtune.api.LanguageModel;
import dev.longtune.api.ModelLoadRequest;
import dev.longtune.api.data.DataFiles;
import dev.longtune.conformance.Fixtures;
import dev.longtune.models.llama.LlamaArchitecture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The real stories260K checkpoint and the bundled quickstart stories, for integration tests. */
final class Stories {

    private Stories() {}

    static LanguageModel load(NDManager parent) throws IOException {
        Path dir = Fixtures.stories260K();
        ObjectNode config = (ObjectNode) new ObjectMapper().readTree(dir.resolve("config.json").toFile());
        return new LlamaArchitecture().loadLlama(
                new ModelLoadRequest(dir, config, null, DataType.FLOAT32, Device.cpu(), parent));
    }

    /** Alpaca records of the bundled quickstart dataset ({@code examples/data/quickstart-*.jsonl}). */
    static List<DataRecord> quickstart(String split, int limit) {
        Path f = Fixtures.projectRoot().resolve("examples/data/quickstart-" + split + ".jsonl");
        if (!Files.exists(f)) {
            throw new IllegalStateException("missing bundled dataset " + f);
        }
        List<DataRecord> all = DataFiles.read(f);
        return all.subList(0, Math.min(limit, all.size()));
    }

    /**
     * {@code n} plain-text records ({@code text} format) each at least {@code minChars} long, made by joining
     * consecutive quickstart stories, so every example fills a {@code max_length} window after truncation.
     */
    static List<DataRecord> longTexts(int n, int minChars) {
        List<DataRecord> stories = quickstart("train", 1000);
        List<DataRecord> out = new ArrayList<>();
        int k = 0;
        for (int i = 0; i < n; i++) {
            StringBuilder sb = new StringBuilder();
            while (sb.length() < minChars) {
                sb.append(stories.get(k++ % stories.size()).text("output")).append(' ');
            }
            ObjectNode node = JsonNodeFactory.instance.objectNode();
            node.put("text", sb.toString().trim());
            out.add(new DataRecord("long.jsonl", i + 1, node));
        }
        return out;
    }

    /** Resident set size of this process in kB, from {@code /proc/self/status} (Linux). */
    static long rssKb() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }
}
