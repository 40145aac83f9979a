package dev.longtune.host.run;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.longtune.api.LanguageModel;
import dev.longtune.api.LongtuneException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * A training checkpoint ({@code <run>/checkpoints/step-N/}, written by plugins-training's {@code Checkpoints}) put
 * on top of the base model, for {@code longtune eval --checkpoint}. Such a checkpoint holds only what trained, in
 * {@code trainable.safetensors} (F32): for {@code trains: full} and {@code freeze} (and a context extension's
 * trainable embeddings and norms) those are model parameters under their Hugging Face names, so writing them over
 * the config's base model gives exactly the model of step N.
 *
 * <p>A LoRA/DoRA/QLoRA checkpoint holds adapter matrices ({@code base_model.model.<module>.lora_A.weight} …) whose
 * rank, scaling (alpha, rsLoRA) and base transform (PiSSA rewrites the base weights) live in the method's options
 * and the training plugin, not in the checkpoint: it is refused with a clear message (evaluate the finished run's
 * {@code adapter/} with {@code --adapter} instead).
 */
final class CheckpointWeights {

    static final String TRAINABLE = "trainable.safetensors";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final NDIndex ALL = new NDIndex("...");
    private static final long MAX_HEADER = 100L << 20;

    private CheckpointWeights() {}

    /** Checks that {@code folder} looks like a complete training checkpoint, before anything is loaded. */
    static void check(Path folder, String where) {
        if (!Files.isDirectory(folder)) {
            throw new LongtuneException(where + ": checkpoint folder not found: " + folder.toAbsolutePath()
                    + " (expected <run>/checkpoints/step-N, written with training.save_every)");
        }
        if (!Files.isRegularFile(folder.resolve(TRAINABLE)) || !Files.isRegularFile(folder.resolve("state.json"))) {
            throw new LongtuneException(where + ": " + folder.toAbsolutePath() + " is not a complete training "
                    + "checkpoint (it needs " + TRAINABLE + " and state.json; an unfinished step-N.tmp never is)");
        }
        Path file = folder.resolve(TRAINABLE);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            refuseAdapters(header(ch, file), folder);
        } catch (IOException e) {
            throw new LongtuneException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static void refuseAdapters(JsonNode header, Path folder) {
        for (Iterator<String> it = header.fieldNames(); it.hasNext();) {
            String name = it.next();
            if (name.contains(".lora_")) {
                throw new LongtuneException("--checkpoint: " + folder + " is a LoRA/DoRA checkpoint (" + name
                        + " …); evaluating adapter checkpoints is not supported — evaluate the run's adapter/ with "
                        + "--adapter, or checkpoints of trains: full or freeze");
            }
        }
    }

    /** The safetensors header; the tensor data starts at {@code 8 + its length in bytes}. */
    private static JsonNode header(FileChannel ch, Path file) throws IOException {
        long size = ch.size();
        long n = size < 8 ? -1 : read(ch, 0, 8, file).getLong();
        if (n < 2 || n > MAX_HEADER || 8 + n > size) {
            throw new LongtuneException(file + " is not a safetensors file (header length " + n + ")");
        }
        return JSON.readTree(new String(read(ch, 8, (int) n, file).array(), StandardCharsets.UTF_8).trim());
    }

    /**
     * Writes the checkpoint's tensors over the model's parameters of the same names, in place.
     *
     * @return how many parameters were replaced
     */
    static int apply(LanguageModel model, Path folder) throws IOException {
        Path file = folder.resolve(TRAINABLE);
        Map<String, NDArray> params = model.parameters();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            JsonNode header = header(ch, file);
            long dataStart = 8 + read(ch, 0, 8, file).getLong();
            refuseAdapters(header, folder);
            List<String> unknown = new ArrayList<>();
            for (Iterator<String> it = header.fieldNames(); it.hasNext();) {
                String name = it.next();
                if (name.equals("__metadata__")) {
                    continue;
                }
                if (!params.containsKey(name)) {
                    unknown.add(name);
                }
            }
            if (!unknown.isEmpty()) {
                throw new LongtuneException("--checkpoint: " + folder + " holds tensors the model does not have ("
                        + String.join(", ", unknown.subList(0, Math.min(3, unknown.size())))
                        + "): was it written by a run of another model?");
            }
            int replaced = 0;
            for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getKey().equals("__metadata__")) {
                    continue;
                }
                copy(e.getKey(), e.getValue(), params.get(e.getKey()), ch, dataStart, file);
                replaced++;
            }
            return replaced;
        }
    }

    private static void copy(String name, JsonNode t, NDArray param, FileChannel ch, long dataStart, Path file)
            throws IOException {
        if (!"F32".equals(t.path("dtype").asText())) {
            throw new LongtuneException(file + ": " + name + " is " + t.path("dtype").asText() + ", a checkpoint "
                    + "holds F32");
        }
        long[] shape = new long[t.get("shape").size()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = t.get("shape").get(i).asLong();
        }
        if (!Arrays.equals(shape, param.getShape().getShape())) {
            throw new LongtuneException("--checkpoint: " + name + " has shape " + Arrays.toString(shape)
                    + " in the checkpoint but " + param.getShape() + " in the model: the checkpoint belongs to "
                    + "another model");
        }
        long begin = t.get("data_offsets").get(0).asLong();
        long end = t.get("data_offsets").get(1).asLong();
        if (end - begin != 4 * param.size()) {
            throw new LongtuneException(file + ": " + name + " has " + (end - begin) + " bytes for "
                    + param.size() + " floats");
        }
        float[] values = new float[(int) param.size()];
        read(ch, dataStart + begin, (int) (end - begin), file).asFloatBuffer().get(values);
        try (NDManager m = param.getManager().newSubManager()) {
            // An indexed assignment over the whole tensor copies into the parameter's own storage (as the training
            // loop restores a checkpoint); through a detached view, so the write stays out of autograd.
            NDArray view = param.stopGradient();
            view.attach(m);
            view.set(ALL, m.create(values, param.getShape()).toType(param.getDataType(), false));
        }
    }

    private static ByteBuffer read(FileChannel ch, long position, int bytes, Path file) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining()) {
            if (ch.read(b, position + b.position()) < 0) {
                throw new LongtuneException(file + " is cut short");
            }
        }
        return b.flip();
    }
}
