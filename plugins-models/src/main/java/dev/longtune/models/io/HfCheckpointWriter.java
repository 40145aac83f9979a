package dev.longtune.models.io;

import ai.djl.ndarray.NDArray;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Writes a checkpoint folder in Hugging Face layout: {@code config.json}, the weights (F32) and the tokenizer files
 * copied from the source folder. Weights up to the maximum shard size go into one {@code model.safetensors};
 * beyond it they are split as transformers' {@code save_pretrained(max_shard_size=...)} does, into
 * {@code model-00001-of-0000N.safetensors} files plus {@code model.safetensors.index.json}
 * ({@code {"metadata": {"total_size": bytes}, "weight_map": {tensor: file}}}): tensors are taken in the map's order
 * and a new shard starts when the next tensor would overflow the current one (a tensor larger than the limit gets a
 * shard of its own). Everything is written into a hidden sibling folder first and then renamed into place, so an
 * interrupted save never leaves a half-written checkpoint where a loader would find it.
 */
public final class HfCheckpointWriter {

    /** Files copied verbatim from the source checkpoint when they exist. */
    public static final List<String> TOKENIZER_FILES = List.of("tokenizer.json", "tokenizer_config.json",
            "generation_config.json", "special_tokens_map.json", "tokenizer.model", "added_tokens.json",
            "vocab.json", "merges.txt", "chat_template.jinja", "chat_template.json");

    /** transformers' default {@code max_shard_size}, "5GB" (decimal: 5 * 10^9 bytes). */
    public static final long DEFAULT_MAX_SHARD_BYTES = 5_000_000_000L;

    /** The single-file weights name. */
    public static final String SINGLE_FILE = "model.safetensors";

    /** The shard index written beside sharded weights. */
    public static final String INDEX_FILE = "model.safetensors.index.json";

    private static final int BYTES_PER_ELEMENT = 4; // F32

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private HfCheckpointWriter() {}

    /**
     * Saves into {@code directory}, replacing it if it exists, with shards of at most
     * {@link #DEFAULT_MAX_SHARD_BYTES}.
     *
     * @param sourceDir the folder the model was loaded from (tokenizer files are copied from it), or null
     */
    public static void save(Path directory, ObjectNode config, Map<String, NDArray> tensors, Path sourceDir)
            throws IOException {
        save(directory, config, tensors, sourceDir, DEFAULT_MAX_SHARD_BYTES);
    }

    /**
     * Saves into {@code directory}, replacing it if it exists.
     *
     * @param tensors the weights by Hugging Face name, in the order they are to be sharded (model order)
     * @param sourceDir the folder the model was loaded from (tokenizer files are copied from it), or null
     * @param maxShardBytes the largest shard, in bytes of F32 data (see {@link #parseSize} for "5GB"-style sizes)
     */
    public static void save(Path directory, ObjectNode config, Map<String, NDArray> tensors, Path sourceDir,
            long maxShardBytes) throws IOException {
        if (maxShardBytes <= 0) {
            throw new IllegalArgumentException("maxShardBytes must be positive, was " + maxShardBytes);
        }
        List<Map<String, NDArray>> shards = shards(tensors, maxShardBytes);
        Path target = directory.toAbsolutePath().normalize();
        Path parent = target.getParent();
        Files.createDirectories(parent);
        String tag = UUID.randomUUID().toString().substring(0, 8);
        Path tmp = parent.resolve("." + target.getFileName() + ".saving-" + tag);
        Path old = parent.resolve("." + target.getFileName() + ".old-" + tag);
        Files.createDirectories(tmp);
        try {
            JSON.writeValue(tmp.resolve("config.json").toFile(), config);
            if (shards.size() <= 1) {
                SafetensorsWriter.write(tmp.resolve(SINGLE_FILE), tensors);
            } else {
                writeShards(tmp, shards);
            }
            if (sourceDir != null) {
                for (String name : TOKENIZER_FILES) {
                    Path src = sourceDir.resolve(name);
                    if (Files.isRegularFile(src)) {
                        Files.copy(src, tmp.resolve(name), StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            }
            // A non-empty folder cannot be replaced by one rename: move the old one aside first.
            if (Files.exists(target)) {
                move(target, old);
            }
            move(tmp, target);
            deleteTree(old);
        } finally {
            deleteTree(tmp);
        }
    }

    /** The name of shard {@code index} (1-based) of {@code count}: {@code model-00001-of-00003.safetensors}. */
    public static String shardName(int index, int count) {
        return String.format(Locale.ROOT, "model-%05d-of-%05d.safetensors", index, count);
    }

    /**
     * Parses a size as transformers' {@code max_shard_size} accepts it: bytes as a number, or with a unit
     * ({@code "5GB"} = 5 * 10^9, {@code "500MB"}, {@code "2GiB"} = 2 * 2^30, {@code "100KB"}); case and spaces
     * are ignored.
     */
    public static long parseSize(String size) {
        String s = size.trim().toUpperCase(Locale.ROOT).replace(" ", "");
        String[][] units = {{"GIB", "1073741824"}, {"MIB", "1048576"}, {"KIB", "1024"}, {"GB", "1000000000"},
            {"MB", "1000000"}, {"KB", "1000"}, {"B", "1"}};
        for (String[] u : units) {
            if (s.endsWith(u[0])) {
                String number = s.substring(0, s.length() - u[0].length());
                try {
                    return new BigDecimal(number).multiply(new BigDecimal(u[1])).longValueExact();
                } catch (NumberFormatException | ArithmeticException e) {
                    throw new IllegalArgumentException("not a size: '" + size + "' (e.g. 5GB, 500MB, 2GiB)", e);
                }
            }
        }
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a size: '" + size + "' (e.g. 5GB, 500MB, 2GiB)", e);
        }
    }

    /** Bytes {@code a} takes in the written file (F32). */
    static long bytes(NDArray a) {
        return a.getShape().size() * BYTES_PER_ELEMENT;
    }

    /** Groups tensors, in order, into shards of at most {@code max} bytes (an oversized tensor stands alone). */
    static List<Map<String, NDArray>> shards(Map<String, NDArray> tensors, long max) {
        List<Map<String, NDArray>> out = new ArrayList<>();
        Map<String, NDArray> current = new LinkedHashMap<>();
        long size = 0;
        for (Map.Entry<String, NDArray> e : tensors.entrySet()) {
            long b = bytes(e.getValue());
            if (!current.isEmpty() && size + b > max) {
                out.add(current);
                current = new LinkedHashMap<>();
                size = 0;
            }
            current.put(e.getKey(), e.getValue());
            size += b;
        }
        if (!current.isEmpty() || out.isEmpty()) {
            out.add(current);
        }
        return out;
    }

    private static void writeShards(Path dir, List<Map<String, NDArray>> shards) throws IOException {
        ObjectNode index = JSON.createObjectNode();
        long total = 0;
        Map<String, String> weightMap = new TreeMap<>();
        for (int i = 0; i < shards.size(); i++) {
            String name = shardName(i + 1, shards.size());
            SafetensorsWriter.write(dir.resolve(name), shards.get(i));
            for (Map.Entry<String, NDArray> e : shards.get(i).entrySet()) {
                weightMap.put(e.getKey(), name);
                total += bytes(e.getValue());
            }
        }
        index.putObject("metadata").put("total_size", total);
        ObjectNode map = index.putObject("weight_map");
        weightMap.forEach(map::put);
        JSON.writeValue(dir.resolve(INDEX_FILE).toFile(), index);
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }
}
