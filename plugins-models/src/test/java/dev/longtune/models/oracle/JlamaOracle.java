package dev.longtune.models.oracle;

import java.io.DataInputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.stream.Collectors;

/**
 * Jlama 0.8.4 ({@code com.github.tjake:jlama-core}) as an independent parity oracle: runs a Hugging Face checkpoint
 * folder through Jlama in a <b>separate Temurin 25 JVM</b> and returns its raw logits per position.
 *
 * <p>Jlama's classes are Java 20 bytecode built on the incubating Vector API, so the JDK 17 test JVM never loads
 * them. The test classpath carries {@code jlama-core} and its dependencies (a test-scoped Maven dependency); this
 * class hands those jar paths to Temurin's {@code javac}, which compiles the small oracle program below once per test
 * JVM, and to Temurin's {@code java}, which runs it with {@code --add-modules jdk.incubator.vector}. The program
 * feeds the tokens one at a time through Jlama's KV-cached {@code forward} and writes, per position, the raw logits
 * that {@code AbstractModel.sample(h, 0, 0, logits)} leaves behind (its {@code getLogits} returns softmax
 * probabilities instead).
 *
 * <p>Where Jlama is faithful, and its conditions (see {@code shared/reference/jlama-oracle.md}): Llama (GQA), Qwen2
 * (set {@code rope_theta}), Gemma 1 (set {@code hidden_act}, hidden size with an exact bf16 square root) and Mistral
 * without a window shorter than the sequence. {@code head_dim} is ignored (must equal hidden/heads); hidden, head and
 * FFN sizes must be multiples of 16 (AVX-512); {@code max_position_embeddings} must exceed
 * {@code T + 2·(nKV−1)}; the folder needs a {@code tokenizer.json}. {@link #checkFolder} rejects the first three
 * mistakes before Jlama fails obscurely. Gemma 2, Mixtral and sliding windows are wrong in Jlama: test them another
 * way.
 *
 * <p>When no JDK ≥ 21 is found (property {@code longtune.jlama.java.home}, environment
 * {@code LONGTUNE_JLAMA_JAVA_HOME}, else {@code /usr/lib/jvm/temurin-25-jdk-amd64}) {@link #unavailableReason()}
 * says why, and {@link JlamaParity} skips the test with that message.
 */
public final class JlamaOracle {

    /** Default location of the Temurin 25 JDK on the build machines. */
    public static final String DEFAULT_JAVA_HOME = "/usr/lib/jvm/temurin-25-jdk-amd64";

    private static final String MAIN = "JlamaOracleMain";
    private static final int MAGIC = 0x4a4c4f47; // "JLOG"

    /** Runs in the Temurin JVM; compiled at test time against the jlama jars. */
    private static final String PROGRAM = """
            import com.github.tjake.jlama.model.AbstractModel;
            import com.github.tjake.jlama.model.ModelSupport;
            import com.github.tjake.jlama.safetensors.DType;
            import com.github.tjake.jlama.tensor.AbstractTensor;
            import com.github.tjake.jlama.tensor.KvBufferCache;
            import java.io.BufferedOutputStream;
            import java.io.DataOutputStream;
            import java.io.File;
            import java.io.FileOutputStream;
            import java.nio.file.Files;
            import java.nio.file.Path;
            import java.util.Optional;
            import java.util.UUID;

            /** args: modelDir idsFile(one id per line) outFile. Writes MAGIC, T, V, then T*V raw logits (float32). */
            public final class JlamaOracleMain {
                public static void main(String[] args) throws Exception {
                    int[] ids = Files.readAllLines(Path.of(args[1])).stream().map(String::trim)
                            .filter(s -> !s.isEmpty()).mapToInt(Integer::parseInt).toArray();
                    AbstractModel m = ModelSupport.loadModel(new File(args[0]), DType.F32, DType.F32);
                    int vocab = m.getConfig().vocabularySize;
                    try (KvBufferCache cache = new KvBufferCache(m);
                            DataOutputStream out = new DataOutputStream(new BufferedOutputStream(
                                    new FileOutputStream(args[2])))) {
                        KvBufferCache.KvBuffer kv = cache.getKvBuffer(UUID.randomUUID());
                        out.writeInt(0x4a4c4f47);
                        out.writeInt(ids.length);
                        out.writeInt(vocab);
                        for (int t = 0; t < ids.length; t++) {
                            AbstractTensor h = m.forward(ids[t], t, kv, Optional.empty());
                            AbstractTensor logits = m.makeDenseTensor(1, vocab);
                            m.sample(h, 0f, 0f, logits); // temperature 0: leaves the raw logits, returns argmax
                            for (int v = 0; v < vocab; v++) {
                                out.writeFloat(logits.get(0, v));
                            }
                            logits.close();
                            h.close();
                        }
                    }
                    System.exit(0); // Jlama's worker pools are not daemons
                }
            }
            """;

    private static JlamaOracle instance;
    private static String unavailable;

    private final Path javaHome;
    private final String classpath;
    private final Path classes;

    private JlamaOracle(Path javaHome, String classpath, Path classes) {
        this.javaHome = javaHome;
        this.classpath = classpath;
        this.classes = classes;
    }

    /** The oracle, compiled on first use; empty when it cannot run here (see {@link #unavailableReason()}). */
    public static synchronized Optional<JlamaOracle> get() {
        if (instance == null && unavailable == null) {
            try {
                instance = create();
            } catch (IOException | RuntimeException e) {
                unavailable = e.getMessage();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                unavailable = "interrupted while compiling the Jlama oracle";
            }
        }
        return Optional.ofNullable(instance);
    }

    /** Why {@link #get()} is empty, or null when the oracle is available. */
    public static synchronized String unavailableReason() {
        get();
        return unavailable;
    }

    private static JlamaOracle create() throws IOException, InterruptedException {
        Path home = findJavaHome();
        List<String> cp = testClasspath();
        List<String> jlamaJars = cp.stream().filter(p -> p.contains("jlama-core")).collect(Collectors.toList());
        if (jlamaJars.isEmpty()) {
            throw new IllegalStateException("jlama-core is not on the test classpath (it is a test-scoped dependency "
                    + "of plugins-models; run the build online once to fetch it)");
        }
        // Jlama and what it needs; our own classes and DJL are left out of the oracle's JVM.
        String classpath = cp.stream().filter(p -> p.endsWith(".jar"))
                .filter(p -> !p.contains(File.separator + "ai" + File.separator + "djl" + File.separator))
                .filter(p -> !p.contains("junit") && !p.contains("opentest4j") && !p.contains("apiguardian"))
                .collect(Collectors.joining(File.pathSeparator));
        Path work = Files.createTempDirectory("jlama-oracle");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                deleteTree(work);
            } catch (IOException e) {
                // a temp folder left behind is harmless
            }
        }));
        Path src = work.resolve(MAIN + ".java");
        Files.writeString(src, PROGRAM);
        Path classes = Files.createDirectories(work.resolve("classes"));
        List<String> cmd = List.of(home.resolve("bin/javac").toString(), "--add-modules", "jdk.incubator.vector",
                "-nowarn", "-cp", classpath, "-d", classes.toString(), src.toString());
        Result r = run(cmd, work, 120);
        if (r.exit != 0) {
            throw new IllegalStateException("compiling the Jlama oracle with " + home + " failed:\n" + r.output);
        }
        return new JlamaOracle(home, classpath, classes);
    }

    private static Path findJavaHome() throws IOException {
        String configured = System.getProperty("longtune.jlama.java.home", System.getenv("LONGTUNE_JLAMA_JAVA_HOME"));
        Path home = Paths.get(configured != null && !configured.isBlank() ? configured : DEFAULT_JAVA_HOME);
        Path release = home.resolve("release");
        if (!Files.isRegularFile(home.resolve("bin/java")) || !Files.isRegularFile(home.resolve("bin/javac"))
                || !Files.isRegularFile(release)) {
            throw new IllegalStateException("no JDK at " + home + " (Jlama 0.8.4 needs Java 21+ with "
                    + "jdk.incubator.vector, e.g. Temurin 25; set -Dlongtune.jlama.java.home or "
                    + "LONGTUNE_JLAMA_JAVA_HOME)");
        }
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(release)) {
            p.load(in);
        }
        String version = p.getProperty("JAVA_VERSION", "\"0\"").replace("\"", "");
        int feature = Integer.parseInt(version.split("[.+-]")[0]);
        if (feature < 21) {
            throw new IllegalStateException("the JDK at " + home + " is Java " + version + "; the Jlama oracle needs "
                    + "21+ (Temurin 25)");
        }
        return home;
    }

    /** The surefire test classpath, expanded from a manifest-only booter jar if that is what java.class.path is. */
    public static List<String> testClasspath() throws IOException {
        String cp = System.getProperty("surefire.test.class.path");
        if (cp == null || cp.isBlank()) {
            cp = System.getProperty("java.class.path");
        }
        List<String> out = new ArrayList<>();
        for (String entry : cp.split(File.pathSeparator)) {
            if (entry.isEmpty()) {
                continue;
            }
            out.add(entry);
            if (entry.contains("surefirebooter") && entry.endsWith(".jar")) {
                try (JarFile jar = new JarFile(entry)) {
                    String manifestCp = jar.getManifest().getMainAttributes().getValue(Attributes.Name.CLASS_PATH);
                    if (manifestCp != null) {
                        for (String url : manifestCp.split(" ")) {
                            if (!url.isEmpty()) {
                                out.add(Paths.get(java.net.URI.create(url)).toString());
                            }
                        }
                    }
                }
            }
        }
        return out;
    }

    /** Names the mistakes that make Jlama fail obscurely or compute something else, before running it. */
    public static void checkFolder(Path dir, int tokens) throws IOException {
        if (!Files.isRegularFile(dir.resolve("tokenizer.json"))) {
            throw new IllegalArgumentException(dir + " has no tokenizer.json; Jlama cannot load it without one");
        }
        var cfg = new com.fasterxml.jackson.databind.ObjectMapper().readTree(dir.resolve("config.json").toFile());
        String type = cfg.path("model_type").asText("");
        if (type.equals("gemma2") || type.equals("mixtral")) {
            throw new IllegalArgumentException("Jlama 0.8.4 computes " + type + " wrongly (see jlama-oracle.md); "
                    + "check it another way");
        }
        var window = cfg.get("sliding_window");
        if (window != null && !window.isNull() && cfg.path("use_sliding_window").asBoolean(true)
                && window.asInt() < tokens) {
            throw new IllegalArgumentException("Jlama ignores sliding_window (" + window + ") and attends over all "
                    + tokens + " tokens; use a window >= the sequence or none");
        }
        int hidden = cfg.path("hidden_size").asInt();
        int heads = cfg.path("num_attention_heads").asInt();
        int kv = cfg.path("num_key_value_heads").asInt(heads);
        int ffn = cfg.path("intermediate_size").asInt();
        int headDim = hidden / Math.max(1, heads);
        if (cfg.has("head_dim") && cfg.get("head_dim").asInt() != headDim) {
            throw new IllegalArgumentException("Jlama ignores head_dim (" + cfg.get("head_dim")
                    + "): it must equal hidden_size / num_attention_heads = " + headDim);
        }
        if (hidden % 16 != 0 || headDim % 16 != 0 || ffn % 16 != 0) {
            throw new IllegalArgumentException("Jlama needs hidden (" + hidden + "), head (" + headDim
                    + ") and FFN (" + ffn + ") sizes that are multiples of 16 under AVX-512");
        }
        int maxPos = cfg.path("max_position_embeddings").asInt();
        int need = tokens + 2 * (Math.max(kv, heads) - 1);
        if (maxPos <= need) {
            throw new IllegalArgumentException("Jlama's RoPE tables overrun unless max_position_embeddings ("
                    + maxPos + ") > " + need + " for " + tokens + " tokens; give the checkpoint a generous value");
        }
    }

    /**
     * Jlama's raw logits {@code [T][V]} for {@code ids} (no BOS is added) fed one token at a time from position 0.
     */
    public float[][] logits(Path checkpointDir, int[] ids) throws IOException, InterruptedException {
        checkFolder(checkpointDir, ids.length);
        Path work = Files.createTempDirectory("jlama-run");
        try {
            Path idsFile = work.resolve("ids.txt");
            Files.write(idsFile, java.util.Arrays.stream(ids).mapToObj(Integer::toString)
                    .collect(Collectors.toList()));
            Path outFile = work.resolve("logits.bin");
            List<String> cmd = List.of(javaHome.resolve("bin/java").toString(), "--add-modules",
                    "jdk.incubator.vector", "-Xmx1g", "-Djava.awt.headless=true",
                    "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                    "-cp", classes + File.pathSeparator + classpath, MAIN,
                    checkpointDir.toAbsolutePath().toString(), idsFile.toString(), outFile.toString());
            Result r = run(cmd, work, 300);
            if (r.exit != 0 || !Files.isRegularFile(outFile)) {
                throw new IllegalStateException("the Jlama oracle failed (exit " + r.exit + ") on " + checkpointDir
                        + ":\n" + r.output);
            }
            try (DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(
                    Files.newInputStream(outFile)))) {
                if (in.readInt() != MAGIC) {
                    throw new IllegalStateException("bad Jlama oracle output " + outFile);
                }
                int t = in.readInt();
                int v = in.readInt();
                float[][] out = new float[t][v];
                byte[] row = new byte[v * 4];
                for (int i = 0; i < t; i++) {
                    in.readFully(row);
                    ByteBuffer.wrap(row).order(ByteOrder.BIG_ENDIAN).asFloatBuffer().get(out[i]);
                }
                return out;
            }
        } finally {
            deleteTree(work);
        }
    }

    private record Result(int exit, String output) {}

    private static Result run(List<String> cmd, Path dir, long timeoutSeconds)
            throws IOException, InterruptedException {
        Path log = dir.resolve("process.log");
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            p.waitFor();
            return new Result(-1, "timed out after " + timeoutSeconds + " s: " + cmd + "\n"
                    + Files.readString(log, StandardCharsets.UTF_8));
        }
        return new Result(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).collect(Collectors.toList())) {
                Files.deleteIfExists(p);
            }
        }
    }
}
