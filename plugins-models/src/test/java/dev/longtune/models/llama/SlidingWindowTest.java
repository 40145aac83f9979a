package dev.longtune.models.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.longtune.api.AttentionPattern;
import dev.longtune.api.AttentionPattern.SlidingWindow;
import dev.longtune.api.ForwardInput;
import dev.longtune.api.Generation;
import dev.longtune.api.GenerationOptions;
import dev.longtune.api.KvCache;
import dev.longtune.api.LongtuneException;
import dev.longtune.models.RandomCheckpoint;
import dev.longtune.models.TestExtension;
import dev.longtune.models.TestModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mistral-style sliding-window attention with HF's convention (spec A.3: query i sees keys i-W < j <= i, W keys
 * including itself): full forwards against the plain-Java reference, rolling-cache decoding against full forwards,
 * and bounded KV memory over 2,000 generated tokens.
 */
class SlidingWindowTest {

    private static NDManager root;

    @BeforeAll
    static void start() {
        root = NDManager.newBaseManager(Device.cpu());
    }

    @AfterAll
    static void stop() {
        root.close();
    }

    private static ReferenceLlama.Visibility hfWindow(int w) {
        return (head, i, j) -> j <= i && j > i - w;
    }

    @Test
    void fullForwardMatchesReferenceWithHfWindowMask(@TempDir Path tmp) throws Exception {
        RandomCheckpoint ck = new RandomCheckpoint(16, 40, 2, 4, 2, 64, false, 21L);
        Path dir = ck.write(tmp.resolve("random"), root);
        int[] seq = {1, 17, 300, 4, 99, 511, 256, 3, 42, 8, 77, 12, 5, 6, 7, 8, 200, 13, 400, 9};
        ReferenceLlama ref = new ReferenceLlama(ck);
        double[][] want = ref.forward(seq, hfWindow(5));
        try (LlamaModel model = TestModels.load(dir, root, TestExtension.always(new SlidingWindow(5)))) {
            model.manager().cap();
            float[] got = forward(model, seq, null);
            double worst = ShiftedSparseAttentionTest.maxDiff(want, got);
            // The window matters: the causal reference is far away past W, identical up to W.
            double[][] causal = ref.forward(seq);
            double early = 0;
            double late = 0;
            for (int t = 0; t < seq.length; t++) {
                for (int v = 0; v < 512; v++) {
                    double d = Math.abs(causal[t][v] - got[t * 512 + v]);
                    if (t < 5) {
                        early = Math.max(early, d);
                    } else {
                        late = Math.max(late, d);
                    }
                }
            }
            System.out.printf("sliding W=5, N=20: max |DJL - reference| = %.3g; vs causal: first W %.3g, after %.3g%n",
                    worst, early, late);
            assertTrue(worst < 1e-4, "max difference " + worst);
            assertTrue(early < 1e-4 && late > 1e-2);

            // Rolling-cache decoding (4 slots... W=5 slots) against the same independent reference: prefill 7 (> W),
            // then single tokens, then a chunk of 4 that wraps around the ring.
            int[] chunks = {7, 1, 1, 1, 4, 1, 1, 4};
            double cached = decodeAgainst(model, seq, chunks, (t, got2, off) -> {
                double w2 = 0;
                for (int v = 0; v < 512; v++) {
                    w2 = Math.max(w2, Math.abs(want[t][v] - got2[off + v]));
                }
                return w2;
            });
            System.out.printf("sliding W=5 rolling cache (5 slots) vs reference: %.3g%n", cached);
            assertTrue(cached < 1e-4, "cached max difference " + cached);
        }
    }

    @Test
    void rollingCacheDecodingEqualsFullWindowedForwardOnStories() throws Exception {
        int n = 120;
        int[] seq = Arrays.copyOf(TestModels.referenceGreedy(), n);
        int w = 16;
        try (LlamaModel model = TestModels.stories(root, TestExtension.always(new SlidingWindow(w)))) {
            model.manager().cap();
            float[] full = forward(model, seq, null);
            // Chunks: prefill below W, a chunk longer than W, single tokens across many wraps, a chunk that wraps.
            int[] chunks = new int[n];
            int c = 0;
            chunks[c++] = 10;
            chunks[c++] = 20;
            int done = 30;
            while (done < n - 9) {
                chunks[c++] = 1;
                done++;
            }
            chunks[c++] = 9;
            chunks = Arrays.copyOf(chunks, c);
            double worst = decodeAgainst(model, seq, chunks, (t, got, off) -> {
                double d = 0;
                for (int v = 0; v < 512; v++) {
                    d = Math.max(d, Math.abs(full[t * 512 + v] - got[off + v]));
                }
                return d;
            });
            System.out.printf("stories260K W=%d, %d positions: max |rolling cache - full windowed forward| = %.3g%n",
                    w, n, worst);
            assertTrue(worst < 3e-5, "max difference " + worst); // the cache tolerance of LlamaForwardTest
        }
    }

    private interface Check {
        double diff(int position, float[] got, int offset);
    }

    /** Decodes {@code seq} in the given chunks through a cache of capacity seq.length; returns the worst diff. */
    private static double decodeAgainst(LlamaModel model, int[] seq, int[] chunks, Check check) {
        double worst = 0;
        try (KvCache kv = model.newCache(1, seq.length)) {
            LlamaKvCache cache = (LlamaKvCache) kv;
            int w = ((SlidingWindow) model.attention(false)).window();
            assertTrue(cache.rolling());
            assertEquals(w, cache.slots());
            int done = 0;
            for (int n : chunks) {
                int[] part = Arrays.copyOfRange(seq, done, done + n);
                float[] got = forward(model, part, cache);
                for (int i = 0; i < n; i++) {
                    worst = Math.max(worst, check.diff(done + i, got, i * 512));
                }
                done += n;
                assertEquals(w, cache.bufferShape().get(2), "slots stay at the window");
            }
            assertEquals(seq.length, done);
            assertEquals(seq.length, cache.length());
        }
        return worst;
    }

    private static float[] forward(LlamaModel model, int[] seq, KvCache cache) {
        long[] ids = new long[seq.length];
        for (int i = 0; i < seq.length; i++) {
            ids[i] = seq[i];
        }
        try (NDManager step = root.newSubManager()) {
            NDArray in = step.create(ids, new Shape(1, seq.length));
            return model.forward(new ForwardInput(in, null, cache, false)).toFloatArray();
        }
    }

    @Test
    void cacheSlotsAreMinOfCapacityAndWindow() throws Exception {
        try (LlamaModel model = TestModels.stories(root, TestExtension.always(new SlidingWindow(64)));
                KvCache small = model.newCache(1, 10);
                KvCache huge = model.newCache(2, 1_000_000)) {
            assertEquals(10, ((LlamaKvCache) small).slots());
            assertFalse(((LlamaKvCache) small).rolling());
            assertEquals(64, ((LlamaKvCache) huge).slots());
            assertEquals(1_000_000, huge.capacity());
            // 5 layers x (K + V) x [2, 4 KV heads, 64 slots, 8] floats
            assertEquals(5L * 2 * 2 * 4 * 64 * 8 * 4, ((LlamaKvCache) huge).allocatedBytes());
        }
        // A cache made for one pattern refuses a forward pass with another (here: a training-only window).
        try (LlamaModel model = TestModels.stories(root, new TestExtension(new SlidingWindow(8),
                AttentionPattern.CAUSAL, java.util.List.of()));
                KvCache kv = model.newCache(1, 100);
                NDManager step = root.newSubManager()) {
            assertEquals(100, ((LlamaKvCache) kv).slots());
            NDArray in = step.create(new long[] {1, 2}, new Shape(1, 2));
            LongtuneException e = assertThrows(LongtuneException.class,
                    () -> model.forward(new ForwardInput(in, null, kv, true)));
            assertTrue(e.getMessage().contains("sliding window"), e.getMessage());
        }
    }

    /**
     * stories260K (context 512) with SlidingWindow(64) generates 2,000 tokens ({@code generate} runs past the context),
     * then an explicit 2,000-step decode loop checks that the cache stays at 64 slots after every step while the
     * process RSS stays flat.
     */
    @Test
    void generates2000TokensWithKvMemoryBoundedByTheWindow() throws Exception {
        int w = 64;
        int total = 2000;
        try (LlamaModel model = TestModels.stories(root, TestExtension.always(new SlidingWindow(w)))) {
            model.manager().cap();
            GenerationOptions sample = new GenerationOptions(total, 1f, 0, 1f, 7L, false);
            Generation warm = model.generate(new int[] {1}, sample, null); // also warms pools, JIT, RoPE tables
            assertEquals(total, warm.tokenIds().length, "generation runs past the 512-position context");
            long afterGenerate = settledRssKb();

            // The same decoding as Generator, with the cache in hand: one token per step, greedy.
            long[] rss = new long[5];
            long bytes;
            try (KvCache kv = model.newCache(1, total)) {
                LlamaKvCache cache = (LlamaKvCache) kv;
                bytes = cache.allocatedBytes();
                Shape slots = new Shape(1, 4, w, 8);
                int next = 1;
                for (int i = 0; i < total; i++) {
                    try (NDManager step = root.newSubManager()) {
                        NDArray in = step.create(new long[] {next}, new Shape(1, 1));
                        NDArray logits = model.forward(ForwardInput.cached(in, cache));
                        next = (int) logits.get(new NDIndex(0, 0)).argMax().getLong();
                    }
                    assertEquals(slots, cache.bufferShape(), "step " + i);
                    assertEquals(bytes, cache.allocatedBytes(), "step " + i);
                    if ((i + 1) % 500 == 0) {
                        rss[(i + 1) / 500] = settledRssKb();
                    }
                }
                assertEquals(total, cache.length());
            }
            long after = settledRssKb();
            long before = rss[2]; // after 1,000 decode steps: Java heap and allocator pools settled
            long unbounded = 5L * 2 * 4 * total * 8 * 4;
            System.out.printf("sliding W=%d: KV cache %d bytes at every one of %d steps (a full cache would hold "
                    + "%d bytes); RSS after a %d-token generate %d kB, after 500/1000/1500/2000 decode steps "
                    + "%d/%d/%d/%d kB, at the end %d kB (growth after step 1000: %+d kB)%n", w, bytes, total,
                    unbounded, total, afterGenerate, rss[1], rss[2], rss[3], rss[4], after, after - before);
            assertEquals(5L * 2 * 4 * w * 8 * 4, bytes);
            assertTrue(after - before < 30 * 1024, "RSS grew by " + (after - before) + " kB");
        }
    }

    /** RoPE rows past the tables' cap are computed per call, identical to table rows (same float formula). */
    @Test
    void ropeRowsPastTheTableCapAreComputedOnDemand() {
        try (NDManager m = root.newSubManager()) {
            dev.longtune.api.RopeScaling none = dev.longtune.api.RopeScaling.none(
                    new dev.longtune.api.RopeParameters(8, 1e4, 16));
            int from = RotaryTables.MAX_TABLE_POSITIONS + 1000;
            RotaryTables small = new RotaryTables(none, 8, 16, ai.djl.ndarray.types.DataType.FLOAT32, m);
            RotaryTables big = new RotaryTables(none, 8, from + 3, ai.djl.ndarray.types.DataType.FLOAT32, m);
            NDArray[] computed = small.rows(m, from, from + 3, from + 3);
            NDArray[] table = big.rows(m, from, from + 3, from + 3);
            for (int i = 0; i < 2; i++) {
                assertEquals(new Shape(3, 8), computed[i].getShape());
                org.junit.jupiter.api.Assertions.assertArrayEquals(table[i].toFloatArray(),
                        computed[i].toFloatArray(), 0f);
            }
            // The small tables did not grow to the far position.
            assertEquals(new Shape(16, 8), small.tables(16, 16)[0].getShape());
        }
    }

    /**
     * RSS after a GC and a pause: DJL backs every array created from Java data (the step's input ids, toFloatArray)
     * with direct buffers that are freed only when the GC and the Cleaner thread get to them, so an RSS read
     * straight after a burst of steps includes garbage that is not held by anything.
     */
    private static long settledRssKb() throws Exception {
        for (int i = 0; i < 2; i++) {
            System.gc();
            Thread.sleep(150);
        }
        return rssKb();
    }

    private static long rssKb() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException("no VmRSS");
    }
}
