package dev.longtune.training.trains;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longtune.conformance.Fixtures;
import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * QLoRA holds the base 4-bit: on a generated Llama-shaped F32 checkpoint of about 290 MB (6 layers, hidden 1024,
 * intermediate 2816, vocab 2048, so the linear projections are most of it, as in real LLMs), a QLoRA run and a LoRA
 * run (all-linear, r 16) each go in a child JVM ({@link QloraRssMain}); we assert on the resident memory after 3
 * training steps (what the run holds between steps) and print the peaks (inside a step; and over the whole run,
 * which includes loading the dense checkpoint before quantizing).
 *
 * <p>Both children run with {@code MALLOC_MMAP_THRESHOLD_=65536} so freed tensors go back to the OS and RSS shows
 * what is held (glibc's dynamic threshold would otherwise keep freed weight-sized chunks in its arenas).
 */
class QloraPeakRssTest {

    static final int HIDDEN = 1024;
    static final int INTERMEDIATE = 2816;
    static final int LAYERS = 6;
    static final int HEADS = 16;
    static final int KV_HEADS = 4;
    static final int VOCAB = 2048;

    @Test
    void qloraHoldsFarLessThanLora(@TempDir Path tmp) throws Exception {
        assumeTrue(Files.isReadable(Paths.get("/proc/self/status")), "needs Linux /proc/self/status");
        Path dir = tmp.resolve("llama");
        long file = writeCheckpoint(dir, 42L);
        Map<String, Long> lora = runChild(dir, "lora");
        Map<String, Long> qlora = runChild(dir, "qlora");
        double loraHeld = mb(lora.get("afterStepsRssKb") - lora.get("baselineRssKb"));
        double qloraHeld = mb(qlora.get("afterStepsRssKb") - qlora.get("baselineRssKb"));
        double loraPeak = mb(lora.get("trainPeakKb") - lora.get("baselineRssKb"));
        double qloraPeak = mb(qlora.get("trainPeakKb") - qlora.get("baselineRssKb"));
        System.out.printf("QLoRA vs LoRA on a %.0f MB F32 checkpoint (MB over the JVM's pre-load RSS): held after "
                + "the steps LoRA %.0f, QLoRA %.0f (%.2fx); training-step peak LoRA %.0f, QLoRA %.0f (%.2fx); "
                + "whole-run peak incl. loading the dense checkpoint LoRA %.0f, QLoRA %.0f; peak reset %s%n",
                file / 1e6, loraHeld, qloraHeld, qloraHeld / loraHeld, loraPeak, qloraPeak, qloraPeak / loraPeak,
                mb(lora.get("loadPeakKb") - lora.get("baselineRssKb")),
                mb(qlora.get("loadPeakKb") - qlora.get("baselineRssKb")), qlora.get("peakResetOk") == 1);
        System.out.println("LoRA child: " + lora);
        System.out.println("QLoRA child: " + qlora);
        assertTrue(qloraHeld < 0.65 * loraHeld, "QLoRA should hold well under LoRA's memory: " + qloraHeld + " vs "
                + loraHeld + " MB");
        // Not asserted: the peak inside a step. Autograd keeps every layer's dequantized weight for the backward
        // pass (linear saves W for dL/dx) until the step ends, so the step peak is about the dense size again;
        // bitsandbytes avoids it with a custom autograd function that dequantizes again in backward, which needs a
        // custom op or per-layer recomputation (activation checkpointing) here. See the printed numbers, and
        // qloraStepPeakWellBelowLoraWithCheckpointing for the step peak with checkpointing (asserted there).
    }

    /**
     * With activation checkpointing per layer ({@code training.gradient_checkpointing}) QLoRA's dequantized weights
     * live only inside one layer's forward or recompute, so its training-step peak falls well below LoRA's (which
     * holds the dense weights), unlike without checkpointing (1.10x, see above).
     */
    @Test
    void qloraStepPeakWellBelowLoraWithCheckpointing(@TempDir Path tmp) throws Exception {
        assumeTrue(Files.isReadable(Paths.get("/proc/self/status")), "needs Linux /proc/self/status");
        Path dir = tmp.resolve("llama");
        long file = writeCheckpoint(dir, 42L);
        Map<String, Long> lora = runChild(dir, "lora", "ckpt", 128);
        Map<String, Long> qlora = runChild(dir, "qlora", "ckpt", 128);
        double loraPeak = mb(lora.get("trainPeakKb") - lora.get("baselineRssKb"));
        double qloraPeak = mb(qlora.get("trainPeakKb") - qlora.get("baselineRssKb"));
        double loraHeld = mb(lora.get("afterStepsRssKb") - lora.get("baselineRssKb"));
        double qloraHeld = mb(qlora.get("afterStepsRssKb") - qlora.get("baselineRssKb"));
        System.out.printf("With checkpointing, on a %.0f MB F32 checkpoint (MB over the pre-load RSS, T 128): "
                + "training-step peak LoRA %.0f, QLoRA %.0f (%.2fx); held after the steps LoRA %.0f, QLoRA %.0f%n",
                file / 1e6, loraPeak, qloraPeak, qloraPeak / loraPeak, loraHeld, qloraHeld);
        System.out.println("LoRA child (ckpt): " + lora);
        System.out.println("QLoRA child (ckpt): " + qlora);
        assertTrue(qloraPeak < 0.8 * loraPeak, "with checkpointing QLoRA's step peak should be well under LoRA's: "
                + qloraPeak + " vs " + loraPeak + " MB");
    }

    /** A long-sequence LoRA step (T 1024) peaks far lower with activation checkpointing than without. */
    @Test
    void checkpointingLowersTheStepPeakOfALongSequence(@TempDir Path tmp) throws Exception {
        assumeTrue(Files.isReadable(Paths.get("/proc/self/status")), "needs Linux /proc/self/status");
        Path dir = tmp.resolve("llama");
        writeCheckpoint(dir, 42L);
        int t = 1024;
        Map<String, Long> plain = runChild(dir, "lora", "plain", t);
        Map<String, Long> ckpt = runChild(dir, "lora", "ckpt", t);
        double plainPeak = mb(plain.get("trainPeakKb") - plain.get("preparedRssKb"));
        double ckptPeak = mb(ckpt.get("trainPeakKb") - ckpt.get("preparedRssKb"));
        System.out.printf("LoRA step at T %d (MB of training-step peak over the prepared model's RSS): without "
                + "checkpointing %.0f, with %.0f (%.2fx); absolute peaks %.0f vs %.0f MB%n", t, plainPeak, ckptPeak,
                ckptPeak / plainPeak, mb(plain.get("trainPeakKb")), mb(ckpt.get("trainPeakKb")));
        System.out.println("plain child: " + plain);
        System.out.println("ckpt child: " + ckpt);
        assertTrue(ckptPeak < 0.5 * plainPeak, "checkpointing should cut a long step's activation peak: " + ckptPeak
                + " vs " + plainPeak + " MB");
    }

    private static double mb(long kb) {
        return kb * 1024 / 1e6;
    }

    private static Map<String, Long> runChild(Path dir, String type) throws IOException, InterruptedException {
        return runChild(dir, type, "plain", 128);
    }

    private static Map<String, Long> runChild(Path dir, String type, String mode, int seqLen)
            throws IOException, InterruptedException {
        String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx384m", "-Dai.djl.offline=true",
                "-Dai.djl.pytorch.num_threads=2", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"));
        for (String p : new String[] {"longtune.shared", "longtune.root"}) {
            if (System.getProperty(p) != null) {
                cmd.add("-D" + p + "=" + System.getProperty(p));
            }
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), QloraRssMain.class.getName(),
                dir.toString(), type, mode, Integer.toString(seqLen)));
        Path log = dir.resolve(type + "-" + mode + "-" + seqLen + ".log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("MALLOC_MMAP_THRESHOLD_", "65536");
        pb.environment().put("MALLOC_ARENA_MAX", "2");
        Process p = pb.start();
        if (!p.waitFor(600, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("child JVM timed out: " + Files.readString(log));
        }
        String out = Files.readString(log, StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new AssertionError("child JVM failed (exit " + p.exitValue() + "):\n" + out);
        }
        Map<String, Long> r = new LinkedHashMap<>();
        for (String line : out.split("\n")) {
            if (line.startsWith("RESULT ")) {
                for (String kv : line.substring(7).trim().split(" ")) {
                    String[] e = kv.split("=");
                    r.put(e[0], e[1].equals("true") ? 1L : e[1].equals("false") ? 0L : Long.parseLong(e[1]));
                }
            }
        }
        if (!r.containsKey("trainPeakKb")) {
            throw new AssertionError("no RESULT line from the child JVM:\n" + out);
        }
        return r;
    }

    /** Streams a random Llama-shaped F32 checkpoint (untied head) with stories260K's tokenizer; returns its size. */
    static long writeCheckpoint(Path dir, long seed) throws IOException {
        Files.createDirectories(dir);
        int hd = HIDDEN / HEADS;
        Map<String, long[]> shapes = new LinkedHashMap<>();
        shapes.put("model.embed_tokens.weight", new long[] {VOCAB, HIDDEN});
        for (int i = 0; i < LAYERS; i++) {
            String p = "model.layers." + i + ".";
            shapes.put(p + "input_layernorm.weight", new long[] {HIDDEN});
            shapes.put(p + "self_attn.q_proj.weight", new long[] {HEADS * hd, HIDDEN});
            shapes.put(p + "self_attn.k_proj.weight", new long[] {KV_HEADS * hd, HIDDEN});
            shapes.put(p + "self_attn.v_proj.weight", new long[] {KV_HEADS * hd, HIDDEN});
            shapes.put(p + "self_attn.o_proj.weight", new long[] {HIDDEN, HEADS * hd});
            shapes.put(p + "post_attention_layernorm.weight", new long[] {HIDDEN});
            shapes.put(p + "mlp.gate_proj.weight", new long[] {INTERMEDIATE, HIDDEN});
            shapes.put(p + "mlp.up_proj.weight", new long[] {INTERMEDIATE, HIDDEN});
            shapes.put(p + "mlp.down_proj.weight", new long[] {HIDDEN, INTERMEDIATE});
        }
        shapes.put("model.norm.weight", new long[] {HIDDEN});
        shapes.put("lm_head.weight", new long[] {VOCAB, HIDDEN});
        ObjectMapper json = new ObjectMapper();
        ObjectNode header = json.createObjectNode();
        header.putObject("__metadata__").put("format", "pt");
        long offset = 0;
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            long n = 1;
            for (long d : e.getValue()) {
                n *= d;
            }
            ObjectNode t = header.putObject(e.getKey());
            t.put("dtype", "F32");
            var s = t.putArray("shape");
            for (long d : e.getValue()) {
                s.add(d);
            }
            t.putArray("data_offsets").add(offset).add(offset + n * 4);
            offset += n * 4;
        }
        byte[] h = json.writeValueAsBytes(header);
        int padded = (h.length + 7) / 8 * 8;
        ByteBuffer buf = ByteBuffer.allocateDirect(1 << 22).order(ByteOrder.LITTLE_ENDIAN);
        Path file = dir.resolve("model.safetensors");
        long state = seed * 0x9E3779B97F4A7C15L + 1;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            buf.putLong(padded).put(h);
            for (int i = h.length; i < padded; i++) {
                buf.put((byte) ' ');
            }
            for (Map.Entry<String, long[]> e : shapes.entrySet()) {
                long n = 1;
                for (long d : e.getValue()) {
                    n *= d;
                }
                boolean norm = e.getKey().contains("norm");
                for (long i = 0; i < n; i++) {
                    if (buf.remaining() < 4) {
                        drain(ch, buf);
                    }
                    state ^= state << 13;
                    state ^= state >>> 7;
                    state ^= state << 17;
                    buf.putFloat(norm ? 1f : ((state >>> 40) * 0x1p-24f - 0.5f) * 0.1f);
                }
            }
            drain(ch, buf);
        }
        ObjectNode c = json.createObjectNode();
        c.putArray("architectures").add("LlamaForCausalLM");
        c.put("model_type", "llama");
        c.put("hidden_size", HIDDEN);
        c.put("intermediate_size", INTERMEDIATE);
        c.put("num_hidden_layers", LAYERS);
        c.put("num_attention_heads", HEADS);
        c.put("num_key_value_heads", KV_HEADS);
        c.put("vocab_size", VOCAB);
        c.put("max_position_embeddings", 2048);
        c.put("rms_norm_eps", 1e-5);
        c.put("rope_theta", 10000.0);
        c.put("hidden_act", "silu");
        c.put("tie_word_embeddings", false);
        c.put("torch_dtype", "float32");
        json.writeValue(dir.resolve("config.json").toFile(), c);
        Files.copy(Fixtures.stories260K().resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
        return Files.size(file);
    }

    private static void drain(FileChannel ch, ByteBuffer buf) throws IOException {
        buf.flip();
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
        buf.clear();
    }
}
