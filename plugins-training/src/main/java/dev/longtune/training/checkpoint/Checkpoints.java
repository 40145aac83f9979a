package dev.longtune.training.checkpoint;

import ai.djl.ndarray.NDArray;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.longtune.api.LongtuneException;
import dev.longtune.api.config.TrainingConfig;
import dev.longtune.training.optim.AdamW;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Resumable checkpoints in {@code <output>/checkpoints}, one folder per saved step:
 *
 * <pre>
 *   checkpoints/step-&lt;N&gt;/
 *     trainable.safetensors   the trainable tensors by parameter name (F32; see {@link TensorFile} and
 *                             {@link #trainableMetadata})
 *     optimizer.safetensors   AdamW moments: "&lt;name&gt;.exp_avg" and "&lt;name&gt;.exp_avg_sq" (torch's names)
 *     state.json              {@link CheckpointState}: step, optimiser step count, data position, seed and RNG scheme,
 *                             loss history, metric window, config hash and fingerprint
 *     ...                     files the trainable strategy adds ({@link ExtraFiles}): an adapter strategy makes the
 *                             folder a PEFT adapter folder too (adapter_config.json, adapter_model.safetensors)
 * </pre>
 *
 * <p><b>Atomicity.</b> A checkpoint is written into {@code step-<N>.tmp/}, every file forced to disk, {@code state.json}
 * last, the folder forced, and only then renamed to {@code step-<N>} with {@link StandardCopyOption#ATOMIC_MOVE}. So
 * a folder named exactly {@code step-<N>} is always complete, whatever moment the process was killed at; a crash
 * leaves at most a {@code .tmp} folder, which is never read and is deleted by the next save. Old checkpoints are
 * first renamed to {@code step-<N>.trash} and then deleted, so a kill during pruning never leaves a half-deleted
 * {@code step-<N>}. The latest checkpoint is found by scanning the folder names (no {@code latest} link that could
 * race with a write).
 */
public final class Checkpoints {

    /** The {@code format} written into {@code state.json}. */
    public static final String FORMAT = "longtune-checkpoint/1";
    public static final String TRAINABLE = "trainable.safetensors";
    public static final String OPTIMIZER = "optimizer.safetensors";
    public static final String STATE = "state.json";

    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final Pattern COMPLETE = Pattern.compile("step-(\\d+)");
    private static final Pattern LEFTOVER = Pattern.compile("step-\\d+\\.(tmp|trash)");

    /** Test hook: runs after the temporary folder is fully written, before it is renamed. */
    static volatile Consumer<Path> beforePublish = p -> {};

    private final Path dir;

    /** Checkpoints in {@code dir} (normally {@code <output>/checkpoints}). */
    public Checkpoints(Path dir) {
        this.dir = dir;
    }

    /** The checkpoints of a run whose output folder is {@code outputDir}. */
    public static Checkpoints of(Path outputDir) {
        return new Checkpoints(outputDir.resolve("checkpoints"));
    }

    public Path dir() {
        return dir;
    }

    /** The folder the checkpoint after step {@code step} is (or would be) published as. */
    public Path folder(long step) {
        return dir.resolve("step-" + step);
    }

    /** Complete checkpoints, oldest step first. */
    public List<Path> list() {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        TreeMap<Long, Path> byStep = new TreeMap<>();
        try (Stream<Path> s = Files.list(dir)) {
            s.forEach(p -> {
                Matcher m = COMPLETE.matcher(p.getFileName().toString());
                if (m.matches() && Files.isRegularFile(p.resolve(STATE))) {
                    byStep.put(Long.parseLong(m.group(1)), p);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list checkpoints in " + dir, e);
        }
        return new ArrayList<>(byStep.values());
    }

    /** The complete checkpoint with the highest step, if any. */
    public Optional<Path> latest() {
        List<Path> all = list();
        return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
    }

    /**
     * Files a checkpoint folder gets beside the tensors and the state, so it can be used without the training
     * plugin (see {@code TrainableStrategy.Prepared.writeCheckpointFiles}). They are written into the temporary
     * folder after {@link #TRAINABLE} and {@link #OPTIMIZER} and before {@link #STATE}, so they are part of the
     * atomic publish: a complete {@code step-N} always has them.
     */
    @FunctionalInterface
    public interface ExtraFiles {
        ExtraFiles NONE = folder -> {};

        /** Writes into {@code folder}, which already holds {@link #TRAINABLE}; every file must be forced to disk. */
        void write(Path folder) throws IOException;
    }

    /** As {@link #save(CheckpointState, Map, AdamW.State, ExtraFiles)} without extra files. */
    public Path save(CheckpointState state, Map<String, NDArray> trainable, AdamW.State optimiser)
            throws IOException {
        return save(state, trainable, optimiser, ExtraFiles.NONE);
    }

    /**
     * Writes a checkpoint atomically (see the class comment) and returns its folder. An existing checkpoint of the
     * same step (left by an abandoned run) is replaced.
     *
     * @param trainable the trainable parameters, read here (their values are copied out, nothing is modified)
     * @param extra files the strategy adds to the folder, inside the atomic write
     */
    public Path save(CheckpointState state, Map<String, NDArray> trainable, AdamW.State optimiser, ExtraFiles extra)
            throws IOException {
        Files.createDirectories(dir);
        removeLeftovers();
        Path target = folder(state.step());
        Path tmp = dir.resolve("step-" + state.step() + ".tmp");
        Files.createDirectories(tmp);

        Map<String, String> meta = trainableMetadata(state.step());
        Map<String, long[]> shapes = new LinkedHashMap<>();
        trainable.forEach((n, p) -> shapes.put(n, p.getShape().getShape()));
        TensorFile.write(tmp.resolve(TRAINABLE), shapes, n -> trainable.get(n).toFloatArray(), meta);

        Map<String, long[]> moments = new LinkedHashMap<>();
        Map<String, float[]> values = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            String n = e.getKey();
            if (!optimiser.m().containsKey(n) || !optimiser.v().containsKey(n)) {
                throw new IllegalArgumentException("optimiser state has no moments for " + n);
            }
            moments.put(n + ".exp_avg", e.getValue());
            moments.put(n + ".exp_avg_sq", e.getValue());
            values.put(n + ".exp_avg", optimiser.m().get(n));
            values.put(n + ".exp_avg_sq", optimiser.v().get(n));
        }
        Map<String, String> optMeta = Map.of("format", FORMAT, "optimizer", "adamw",
                "step", Long.toString(optimiser.step()));
        TensorFile.write(tmp.resolve(OPTIMIZER), moments, values::get, optMeta);
        extra.write(tmp);

        try (FileChannel ch = FileChannel.open(tmp.resolve(STATE), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(java.nio.ByteBuffer.wrap(JSON.writeValueAsBytes(state)));
            ch.force(true);
        }
        forceDirectory(tmp);
        beforePublish.accept(tmp);

        if (Files.exists(target)) {
            Path trash = dir.resolve("step-" + state.step() + ".trash");
            move(target, trash);
            move(tmp, target);
            deleteTree(trash);
        } else {
            move(tmp, target);
        }
        forceDirectory(dir);
        return target;
    }

    /**
     * The {@code __metadata__} of {@link #TRAINABLE}: {@code format: pt} as every PyTorch safetensors file (so that
     * the file also serves as a PEFT {@code adapter_model.safetensors}: transformers refuses other formats), and
     * which checkpoint layout and step it belongs to.
     */
    public static Map<String, String> trainableMetadata(long step) {
        return Map.of("format", "pt", "checkpoint_format", FORMAT, "step", Long.toString(step));
    }

    /** Deletes the oldest complete checkpoints so that at most {@code keep} remain ({@code keep <= 0}: keep all). */
    public List<Path> prune(int keep) throws IOException {
        List<Path> removed = new ArrayList<>();
        if (keep <= 0) {
            return removed;
        }
        List<Path> all = list();
        for (int i = 0; i < all.size() - keep; i++) {
            discard(all.get(i));
            removed.add(all.get(i));
        }
        return removed;
    }

    /**
     * Deletes the complete checkpoints of steps after {@code step}: when a run resumes from an earlier checkpoint,
     * later ones belong to the abandoned continuation and must not be taken for the latest.
     */
    public List<Path> discardAfter(long step) throws IOException {
        List<Path> removed = new ArrayList<>();
        for (Path p : list()) {
            if (stepOf(p) > step) {
                discard(p);
                removed.add(p);
            }
        }
        return removed;
    }

    /** Deletes {@code step-N.tmp} and {@code step-N.trash} folders left by a killed process. */
    public void removeLeftovers() throws IOException {
        if (!Files.isDirectory(dir)) {
            return;
        }
        List<Path> leftovers;
        try (Stream<Path> s = Files.list(dir)) {
            leftovers = s.filter(p -> LEFTOVER.matcher(p.getFileName().toString()).matches()).toList();
        }
        for (Path p : leftovers) {
            deleteTree(p);
        }
    }

    /** The step a checkpoint folder was taken at, from its name ({@code step-N}). */
    public static long stepOf(Path folder) {
        Matcher m = COMPLETE.matcher(folder.getFileName().toString());
        if (!m.matches()) {
            throw new LongtuneException(folder + " is not a checkpoint folder (expected a name like step-100)");
        }
        return Long.parseLong(m.group(1));
    }

    /**
     * The checkpoint {@code training.resume_from_checkpoint} names, or empty to start fresh.
     *
     * @param spec {@code null} (start fresh), {@code "auto"} (the latest complete checkpoint of this run, or empty
     *     when there is none) or a checkpoint folder: absolute, or relative to the output folder if it exists there,
     *     otherwise to the working directory
     * @throws LongtuneException when a path is given but is not a complete checkpoint
     */
    public static Optional<Path> resolve(String spec, Path outputDir) {
        if (spec == null || spec.isBlank()) {
            return Optional.empty();
        }
        if (spec.equals("auto")) {
            return of(outputDir).latest();
        }
        Path p = Path.of(spec);
        if (!p.isAbsolute() && Files.exists(outputDir.resolve(p))) {
            p = outputDir.resolve(p);
        }
        p = p.toAbsolutePath().normalize();
        if (!Files.isDirectory(p)) {
            throw new LongtuneException("training.resume_from_checkpoint: " + spec + " is not a folder (expected "
                    + "'auto' or a checkpoint folder such as " + of(outputDir).folder(100) + ")");
        }
        for (String f : List.of(STATE, TRAINABLE, OPTIMIZER)) {
            if (!Files.isRegularFile(p.resolve(f))) {
                throw new LongtuneException("training.resume_from_checkpoint: " + p + " is not a complete checkpoint "
                        + "(no " + f + ")");
            }
        }
        return Optional.of(p);
    }

    /** A checkpoint read back. */
    public record Loaded(Path folder, CheckpointState state, Map<String, TensorFile.Tensor> trainable,
            AdamW.State optimiser) {}

    /** Reads a checkpoint folder. */
    public static Loaded load(Path folder) throws IOException {
        CheckpointState state = readState(folder);
        Map<String, TensorFile.Tensor> trainable = TensorFile.read(folder.resolve(TRAINABLE));
        Map<String, TensorFile.Tensor> moments = TensorFile.read(folder.resolve(OPTIMIZER));
        Map<String, float[]> m = new LinkedHashMap<>();
        Map<String, float[]> v = new LinkedHashMap<>();
        for (String n : trainable.keySet()) {
            TensorFile.Tensor a = moments.get(n + ".exp_avg");
            TensorFile.Tensor b = moments.get(n + ".exp_avg_sq");
            if (a == null || b == null) {
                throw new LongtuneException("checkpoint " + folder + ": " + OPTIMIZER + " has no moments for " + n);
            }
            m.put(n, a.data());
            v.put(n, b.data());
        }
        return new Loaded(folder, state, trainable, new AdamW.State(state.optimizerSteps(), m, v));
    }

    /** Reads {@code state.json} of a checkpoint folder. */
    public static CheckpointState readState(Path folder) throws IOException {
        Path f = folder.resolve(STATE);
        CheckpointState state;
        try {
            state = JSON.readValue(Files.readString(f, StandardCharsets.UTF_8), CheckpointState.class);
        } catch (NoSuchFileException e) {
            throw new LongtuneException("checkpoint " + folder + " has no " + STATE);
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new LongtuneException("checkpoint " + folder + ": cannot read " + STATE + ": "
                    + e.getOriginalMessage());
        }
        if (!FORMAT.equals(state.format())) {
            throw new LongtuneException("checkpoint " + folder + " has format '" + state.format() + "'; this version "
                    + "reads '" + FORMAT + "'");
        }
        return state;
    }

    /**
     * What a run's trajectory depends on, as readable key → value pairs: the seed, the training settings that change
     * the updates or the schedule (not {@code log_every}, {@code save_every}, {@code keep_checkpoints} or
     * {@code resume_from_checkpoint}), the trainable tensors and the data.
     *
     * @param trainable names and shapes of what trains
     * @param data a digest of the training data as batched (see {@code TrainingLoop})
     */
    public static Map<String, String> fingerprint(TrainingConfig c, long seed, long totalSteps,
            Map<String, long[]> trainable, String data) {
        Map<String, String> f = new LinkedHashMap<>();
        f.put("seed", Long.toString(seed));
        f.put("epochs", String.valueOf(c.epochs()));
        f.put("max_steps", String.valueOf(c.maxSteps()));
        f.put("total_steps", Long.toString(totalSteps));
        f.put("batch_size", String.valueOf(c.batchSize()));
        f.put("gradient_accumulation_steps", String.valueOf(c.gradientAccumulationSteps()));
        f.put("learning_rate", String.valueOf(c.learningRate()));
        f.put("lr_scheduler", c.lrScheduler());
        f.put("warmup_steps", String.valueOf(c.warmupSteps()));
        f.put("warmup_ratio", String.valueOf(c.warmupRatio()));
        f.put("min_lr_ratio", String.valueOf(c.minLrRatio()));
        f.put("weight_decay", String.valueOf(c.weightDecay()));
        f.put("adam_beta1", String.valueOf(c.adamBeta1()));
        f.put("adam_beta2", String.valueOf(c.adamBeta2()));
        f.put("adam_epsilon", String.valueOf(c.adamEpsilon()));
        f.put("max_grad_norm", String.valueOf(c.maxGradNorm()));
        if (c.groupByLength()) { // only when on, so checkpoints made before the key existed still match
            f.put("group_by_length", "true");
        }
        StringBuilder t = new StringBuilder();
        long params = 0;
        for (Map.Entry<String, long[]> e : trainable.entrySet()) {
            t.append(e.getKey()).append(java.util.Arrays.toString(e.getValue())).append('\n');
            long n = 1;
            for (long d : e.getValue()) {
                n *= d;
            }
            params += n;
        }
        f.put("trainable", trainable.size() + " tensors, " + params + " parameters, sha256 " + sha256(t.toString())
                .substring(0, 16));
        f.put("data", data);
        return f;
    }

    /** SHA-256 (hex) over a fingerprint's entries. */
    public static String hash(Map<String, String> fingerprint) {
        StringBuilder sb = new StringBuilder();
        fingerprint.forEach((k, v) -> sb.append(k).append('=').append(v).append('\n'));
        return sha256(sb.toString());
    }

    /**
     * Refuses to resume from {@code state} when it was made with a different configuration, naming every key that
     * differs.
     */
    public static void verify(Path folder, CheckpointState state, Map<String, String> fingerprint) {
        if (hash(fingerprint).equals(state.configHash())) {
            return;
        }
        List<String> diffs = new ArrayList<>();
        Map<String, String> saved = state.fingerprint() == null ? Map.of() : state.fingerprint();
        for (String k : fingerprint.keySet()) {
            if (!fingerprint.get(k).equals(saved.get(k))) {
                diffs.add(k + ": checkpoint " + saved.get(k) + ", now " + fingerprint.get(k));
            }
        }
        for (String k : saved.keySet()) {
            if (!fingerprint.containsKey(k)) {
                diffs.add(k + ": checkpoint " + saved.get(k) + ", now absent");
            }
        }
        throw new LongtuneException("cannot resume from " + folder + ": it was written by a run with a different "
                + "configuration (" + (diffs.isEmpty() ? "config hash differs" : String.join("; ", diffs))
                + "). Resume with the same seed, training settings, method and data, or remove "
                + "training.resume_from_checkpoint to start fresh.");
    }

    static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private void discard(Path folder) throws IOException {
        Path trash = dir.resolve(folder.getFileName() + ".trash");
        move(folder, trash);
        deleteTree(trash);
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            throw new LongtuneException("the file system of " + from.getParent() + " cannot rename atomically, so "
                    + "checkpoints cannot be written safely there", e);
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** Forces a directory's entries to disk (Linux allows opening a directory for this); best effort elsewhere. */
    private static void forceDirectory(Path d) {
        try (FileChannel ch = FileChannel.open(d, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException ignored) {
            // Not supported on this platform (e.g. Windows): the rename is still atomic, just not yet durable.
        }
    }
}
