package dev.longtune.models.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longtune.api.ChatMessage;
import dev.longtune.api.ChatTemplate;
import dev.longtune.api.ForwardInput;
import dev.longtune.api.KvCache;
import dev.longtune.api.LanguageModel;
import dev.longtune.api.LongtuneException;
import dev.longtune.api.ModelArchitecture;
import dev.longtune.api.ModelLoadRequest;
import dev.longtune.api.NoOptions;
import dev.longtune.conformance.Fixtures;
import dev.longtune.models.oracle.HfTestCheckpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Random;

/** Checks every decoder family runs: loading, logits, cached decoding, bad checkpoints, real tokenizers. */
public final class FamilyChecks {

    private static final ObjectMapper JSON = new ObjectMapper();

    private FamilyChecks() {}

    public static LanguageModel load(ModelArchitecture<NoOptions> a, Path dir, NDManager root) throws Exception {
        return a.load(new NoOptions(), new ModelLoadRequest(dir,
                (ObjectNode) JSON.readTree(dir.resolve("config.json").toFile()), null, DataType.FLOAT32,
                Device.cpu(), root));
    }

    public static int[] ids(int n, int vocab, long seed) {
        Random r = new Random(seed);
        int[] ids = new int[n];
        ids[0] = 1;
        for (int i = 1; i < n; i++) {
            ids[i] = r.nextInt(vocab);
        }
        return ids;
    }

    /** Logits [T][V] of one uncached forward pass (training mode when {@code training}). */
    public static float[][] logits(LanguageModel m, int[] ids, NDManager root, boolean training) {
        try (NDManager step = root.newSubManager()) {
            NDArray out = m.forward(training ? ForwardInput.training(input(step, ids))
                    : ForwardInput.of(input(step, ids)));
            return rows(out.toFloatArray(), ids.length);
        }
    }

    /** Logits [T][V] from a KV-cached run: a prefill of {@code prefill} tokens, then one token per step. */
    public static float[][] cachedLogits(LanguageModel m, int[] ids, int prefill, NDManager root) {
        float[][] out = new float[ids.length][];
        try (NDManager step = root.newSubManager(); KvCache cache = m.newCache(1, ids.length)) {
            int[] first = java.util.Arrays.copyOf(ids, prefill);
            float[][] a = rows(m.forward(ForwardInput.cached(input(step, first), cache)).toFloatArray(), prefill);
            System.arraycopy(a, 0, out, 0, prefill);
            for (int i = prefill; i < ids.length; i++) {
                out[i] = m.forward(ForwardInput.cached(input(step, new int[] {ids[i]}), cache)).toFloatArray();
            }
        }
        return out;
    }

    private static NDArray input(NDManager m, int[] ids) {
        long[] flat = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            flat[i] = ids[i];
        }
        return m.create(flat, new Shape(1, ids.length));
    }

    private static float[][] rows(float[] all, int t) {
        int v = all.length / t;
        float[][] out = new float[t][v];
        for (int i = 0; i < t; i++) {
            System.arraycopy(all, i * v, out[i], 0, v);
        }
        return out;
    }

    public static double maxDiff(double[][] want, float[][] got) {
        double d = 0;
        for (int i = 0; i < want.length; i++) {
            for (int j = 0; j < want[i].length; j++) {
                d = Math.max(d, Math.abs(want[i][j] - got[i][j]));
            }
        }
        return d;
    }

    public static double maxDiff(float[][] want, float[][] got) {
        double d = 0;
        for (int i = 0; i < want.length; i++) {
            for (int j = 0; j < want[i].length; j++) {
                d = Math.max(d, Math.abs(want[i][j] - got[i][j]));
            }
        }
        return d;
    }

    public static double maxAbs(double[][] x) {
        double d = 0;
        for (double[] r : x) {
            for (double v : r) {
                d = Math.max(d, Math.abs(v));
            }
        }
        return d;
    }

    /**
     * The family's logits against {@link ReferenceDecoder} within {@code tol}; returns the max difference (printed).
     */
    public static double assertMatchesReference(ModelArchitecture<NoOptions> a, HfTestCheckpoint ck, Path dir,
            int[] ids, double tol, NDManager root) throws Exception {
        ck.write(dir, root);
        double[][] want = new ReferenceDecoder(ck.config(), ck.weights()).forward(ids);
        float[][] got;
        try (LanguageModel m = load(a, dir, root)) {
            got = logits(m, ids, root, false);
        }
        double d = maxDiff(want, got);
        System.out.printf("%s vs reference (%s, %d tokens): max |logit diff| %.3g (max |logit| %.3g)%n",
                a.name(), dir.getFileName(), ids.length, d, maxAbs(want));
        assertTrue(maxAbs(want) > 1.0, "logits too small to be meaningful");
        assertTrue(d < tol, a.name() + " vs reference: " + d);
        return d;
    }

    /** Cached decoding (prefill then one token at a time) gives the uncached forward's logits. */
    public static double assertCachedMatchesFull(ModelArchitecture<NoOptions> a, Path dir, int[] ids, int prefill,
            NDManager root) throws Exception {
        try (LanguageModel m = load(a, dir, root)) {
            float[][] full = logits(m, ids, root, false);
            float[][] cached = cachedLogits(m, ids, prefill, root);
            double d = maxDiff(full, cached);
            System.out.printf("%s cached vs full (%d tokens, prefill %d): max |diff| %.3g%n", a.name(), ids.length,
                    prefill, d);
            assertTrue(d < 1e-4, a.name() + " cached vs full: " + d);
            return d;
        }
    }

    /** {@code save} writes a folder the architecture loads back to the same logits (and the same config). */
    public static void assertSaveReload(ModelArchitecture<NoOptions> a, Path dir, Path out, int[] ids,
            NDManager root) throws Exception {
        float[][] before;
        try (LanguageModel m = load(a, dir, root)) {
            before = logits(m, ids, root, false);
            m.save(out);
        }
        try (LanguageModel m = load(a, out, root)) {
            assertEquals(0.0, maxDiff(before, logits(m, ids, root, false)), a.name() + " save/reload");
            assertEquals(a.name(), m.architecture());
        }
    }

    /**
     * Bad checkpoints fail with one message naming the culprit: {@code missing} removed, {@code reshaped} given a
     * wrong shape, and a shard listed in the index but absent.
     */
    public static void assertBadCheckpointsNamed(ModelArchitecture<NoOptions> a, HfTestCheckpoint ck,
            String missing, String reshaped, Path tmp, NDManager root) throws Exception {
        float[] keep = ck.weights().get(missing);
        long[] keepShape = ck.shape(missing);
        ck.remove(missing);
        Path d1 = ck.write(tmp.resolve("missing"), root);
        String msg = assertThrows(LongtuneException.class, () -> load(a, d1, root).close()).getMessage();
        assertTrue(msg.contains("'" + missing + "'") && msg.contains("missing"), msg);
        ck.weights().put(missing, keep);
        putShape(ck, missing, keepShape, keep);

        float[] orig = ck.weights().get(reshaped);
        long[] shape = ck.shape(reshaped);
        long[] bad = shape.clone();
        bad[0] = shape[0] * 2;
        putShape(ck, reshaped, bad, new float[orig.length * 2]);
        Path d2 = ck.write(tmp.resolve("shape"), root);
        msg = assertThrows(LongtuneException.class, () -> load(a, d2, root).close()).getMessage();
        assertTrue(msg.contains("'" + reshaped + "'") && msg.contains(java.util.Arrays.toString(bad))
                && msg.contains(java.util.Arrays.toString(shape)) && msg.contains("config.json"), msg);
        putShape(ck, reshaped, shape, orig);

        Path d3 = ck.write(tmp.resolve("shards"), root);
        String shard1 = "model-00001-of-00002.safetensors";
        Files.move(d3.resolve("model.safetensors"), d3.resolve(shard1), StandardCopyOption.REPLACE_EXISTING);
        ObjectNode index = JSON.createObjectNode();
        ObjectNode map = index.putObject("weight_map");
        for (String name : ck.weights().keySet()) {
            map.put(name, name.equals(missing) ? "model-00002-of-00002.safetensors" : shard1);
        }
        JSON.writeValue(d3.resolve("model.safetensors.index.json").toFile(), index);
        msg = assertThrows(LongtuneException.class, () -> load(a, d3, root).close()).getMessage();
        assertTrue(msg.contains("model-00002-of-00002.safetensors") && msg.contains("does not exist"), msg);
    }

    private static void putShape(HfTestCheckpoint ck, String name, long[] shape, float[] values) {
        ck.put(name, 0, 0, shape);
        ck.weights().put(name, values);
    }

    /**
     * Loads {@code ck} with a real tokenizer from {@code ../shared/tokenizers/<name>} (skipped without it): the
     * tokenizer round-trips text, BOS/EOS resolve, and a forward pass runs on its ids. Returns the model's chat
     * template rendering of one user turn.
     */
    public static String withSharedTokenizer(ModelArchitecture<NoOptions> a, HfTestCheckpoint ck, String name,
            Path dir, NDManager root) throws Exception {
        Path tok = Fixtures.sharedOrSkip("tokenizers/" + name + "/tokenizer.json");
        ck.write(dir, root);
        Files.copy(tok, dir.resolve("tokenizer.json"), StandardCopyOption.REPLACE_EXISTING);
        Files.copy(tok.resolveSibling("tokenizer_config.json"), dir.resolve("tokenizer_config.json"),
                StandardCopyOption.REPLACE_EXISTING);
        try (LanguageModel m = load(a, dir, root)) {
            String text = "Hello world, fine-tuning " + name + "!";
            int[] ids = m.tokenizer().encode(text);
            assertTrue(ids.length > 3, "encoded " + ids.length + " ids");
            assertEquals(text, m.tokenizer().decode(ids).strip());
            float[][] out = logits(m, ids, root, false);
            assertEquals(ids.length, out.length);
            ChatTemplate t = m.chatTemplate().orElseThrow();
            return t.render(List.of(ChatMessage.user("Hi")), true);
        }
    }

    /** The family's default chat template (from its model type; the test tokenizer has none) on one user turn. */
    public static String defaultTemplate(ModelArchitecture<NoOptions> a, Path dir, NDManager root) throws Exception {
        try (LanguageModel m = load(a, dir, root)) {
            ChatTemplate t = m.chatTemplate().orElseThrow();
            assertTrue(t.source().contains("default"), t.source());
            return t.render(List.of(ChatMessage.user("Hi"), ChatMessage.assistant("Hello")), false);
        }
    }
}
