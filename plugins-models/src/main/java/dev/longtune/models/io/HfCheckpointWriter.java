package dev.longtune.models.io;

import ai.djl.ndarray.NDArray;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Writes a checkpoint folder in Hugging Face layout: {@code config.json}, {@code model.safetensors} (F32) and the
 * tokenizer files copied from the source folder. Everything is written into a hidden sibling folder first and then
 * renamed into place, so an interrupted save never leaves a half-written checkpoint where a loader would find it.
 */
public final class HfCheckpointWriter {

    /** Files copied verbatim from the source checkpoint when they exist. */
    public static final List<String> TOKENIZER_FILES = List.of("tokenizer.json", "tokenizer_config.json",
            "generation_config.json", "special_tokens_map.json", "tokenizer.model");

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private HfCheckpointWriter() {}

    /**
     * Saves into {@code directory}, replacing it if it exists.
     *
     * @param sourceDir the folder the model was loaded from (tokenizer files are copied from it), or null
     */
    public static void save(Path directory, ObjectNode config, Map<String, NDArray> tensors, Path sourceDir)
            throws IOException {
        Path target = directory.toAbsolutePath().normalize();
        Path parent = target.getParent();
        Files.createDirectories(parent);
        String tag = UUID.randomUUID().toString().substring(0, 8);
        Path tmp = parent.resolve("." + target.getFileName() + ".saving-" + tag);
        Path old = parent.resolve("." + target.getFileName() + ".old-" + tag);
        Files.createDirectories(tmp);
        try {
            JSON.writeValue(tmp.resolve("config.json").toFile(), config);
            SafetensorsWriter.write(tmp.resolve("model.safetensors"), tensors);
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
