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
 * {@code trainable.safetensors} (F32), and is one of two kinds:
 *
 * <ul>
 *   <li>{@code trains: full} and {@code freeze} (and a context extension's trainable embeddings and norms): model
 *       parameters under their Hugging Face names, so writing them over the config's base model gives exactly the
 *       model of step N.
 *   <li>LoRA/DoRA ({@code base_model.model.<module>.lora_A.weight} …): the adapter's rank and scaling are not in the
 *       tensors, so the training plugin also writes PEFT's {@code adapter_config.json} and
 *       {@code adapter_model.safetensors} into the folder, which then merges onto the base model exactly as the run's
 *       {@code adapter/} does ({@link LanguageModel#mergeAdapter}). Refused: adapter checkpoints written before
 *       that (no {@code adapter_config.json}), and PiSSA ones, whose adapter is relative to the residual base the
 *       run computed at its start, not to the config's model.
 * </ul>
 */
public final class CheckpointWeights {

    static final String TRAINABLE = "trainable.safetensors";
    static final String ADAPTER_CONFIG = "adapter_config.json";
    static final String ADAPTER = "adapter_model.safetensors";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final NDIndex ALL = new NDIndex("...");
    private static final long MAX_HEADER = 100L << 20;

    private CheckpointWeights() {}

    /** What a checkpoint holds, and so how it goes onto the base model. */
    public enum Kind {
        /** Model parameters under Hugging Face names, written over the model's. */
        WEIGHTS,
        /** A LoRA/DoRA adapter in PEFT layout, merged into the model. */
        ADAPTER
    }

    /**
     * Checks that {@code folder} looks like a complete training checkpoint that can be evaluated, before anything is
     * loaded, and says which kind it is.
     */
    public static Kind check(Path folder, String where) {
        if (!Files.isDirectory(folder)) {
            throw new LongtuneException(where + ": checkpoint folder not found: " + folder.toAbsolutePath()
                    + " (expected <run>/checkpoints/step-N, written with training.save_every)");
        }
        if (!Files.isRegularFile(folder.resolve(TRAINABLE)) || !Files.isRegularFile(folder.resolve("state.json"))) {
            throw new LongtuneException(where + ": " + folder.toAbsolutePath() + " is not a complete training "
                    + "checkpoint (it needs " + TRAINABLE + " and state.json; an unfinished step-N.tmp never is)");
        }
        Path file = folder.resolve(TRAINABLE);
        String adapterKey;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            adapterKey = firstAdapterKey(header(ch, file));
        } catch (IOException e) {
            throw new LongtuneException("cannot read " + file + ": " + e.getMessage(), e);
        }
        if (adapterKey == null) {
            return Kind.WEIGHTS;
        }
        if (!Files.isRegularFile(folder.resolve(ADAPTER_CONFIG)) || !Files.isRegularFile(folder.resolve(ADAPTER))) {
            throw new LongtuneException(where + ": " + folder + " is a LoRA/DoRA checkpoint (" + adapterKey + " …) "
                    + "without " + ADAPTER_CONFIG + ", written by an earlier version: its rank and scaling are not "
                    + "in it — evaluate the run's adapter/ with --adapter (checkpoints written now carry it)");
        }
        String init = initOf(folder.resolve(ADAPTER_CONFIG));
        if (init.toLowerCase(java.util.Locale.ROOT).startsWith("pissa")) {
            throw new LongtuneException(where + ": " + folder + " is a PiSSA checkpoint (init_lora_weights: " + init
                    + "): its adapter is relative to the residual base weights the run computed at its start, not "
                    + "to the config's model — evaluate the run's merged model/ with --model instead");
        }
        return Kind.ADAPTER;
    }

    /** The adapter config's {@code init_lora_weights} as text ({@code true}, {@code gaussian}, {@code pissa} …). */
    private static String initOf(Path adapterConfig) {
        try {
            return JSON.readTree(adapterConfig.toFile()).path("init_lora_weights").asText("");
        } catch (IOException e) {
            throw new LongtuneException("cannot read " + adapterConfig + ": " + e.getMessage(), e);
        }
    }

    /** The first LoRA/DoRA tensor name of a checkpoint's header, or null when it holds model parameters. */
    private static String firstAdapterKey(JsonNode header) {
        for (Iterator<String> it = header.fieldNames(); it.hasNext();) {
            String name = it.next();
            if (name.contains(".lora_")) {
                return name;
            }
        }
        return null;
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
     * Puts the checkpoint onto the model, in place: an adapter checkpoint is merged ({@link LanguageModel#mergeAdapter}
     * on the folder, which is a PEFT adapter folder), any other has its tensors written over the model's parameters
     * of the same names.
     *
     * @return how many checkpoint tensors went into the model
     */
    static int apply(LanguageModel model, Path folder) throws IOException {
        if (check(folder, "--checkpoint") == Kind.ADAPTER) {
            model.mergeAdapter(folder);
            try (FileChannel ch = FileChannel.open(folder.resolve(ADAPTER), StandardOpenOption.READ)) {
                return tensorCount(header(ch, folder.resolve(ADAPTER)));
            }
        }
        Path file = folder.resolve(TRAINABLE);
        Map<String, NDArray> params = model.parameters();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            JsonNode header = header(ch, file);
            long dataStart = 8 + read(ch, 0, 8, file).getLong();
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

    private static int tensorCount(JsonNode header) {
        int n = header.size();
        return header.has("__metadata__") ? n - 1 : n;
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
