package dev.longtune.cli;

import static dev.longtune.cli.CliTest.assertUserError;
import static dev.longtune.cli.CliTest.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.longtune.testing.ProjectPaths;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code longtune export}, in process: formats, round trips through the exported files, one-line errors. */
class ExportCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private static Path stories() {
        return ProjectPaths.examples().resolve("models/stories260K");
    }

    /** The exported HF folder loads and reproduces the reference greedy continuation. */
    @Test
    void hfExportRoundTrips() throws IOException {
        Path out = dir.resolve("exported");
        CliTest.Result r = run("export", "--model", stories().toString(), "--format", "hf", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("exported"), r.out());
        for (String f : List.of("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json")) {
            assertTrue(Files.isRegularFile(out.resolve(f)), f);
        }
        int[] expected = JSON.readValue(stories().resolve("greedy_ids_from_bos_256.json").toFile(), int[].class);
        CliTest.Result g = run("generate", "--model", out.toString(), "--max-new-tokens",
                String.valueOf(expected.length - 1), "--ignore-eos", "--print-ids");
        assertEquals(0, g.code(), g.err());
        List<String> lines = g.out().lines().toList();
        assertEquals(Arrays.toString(Arrays.copyOfRange(expected, 1, expected.length)), lines.get(lines.size() - 1));
        try (var files = Files.list(dir)) {
            assertEquals(List.of(out), files.toList(), "no temporary folder is left behind");
        }
    }

    @Test
    void unknownFormatIsOneLineListingTheFormats() {
        String line = assertUserError(run("export", "--model", stories().toString(), "--format", "onnx", "--out",
                dir.resolve("x").toString()));
        assertTrue(line.contains("'onnx'") && line.contains("formats: hf"), line);
        assertFalse(Files.exists(dir.resolve("x")));
    }

    @Test
    void adapterAndBadDtypeAreOneLineErrors() {
        String line = assertUserError(run("export", "--model", stories().toString(), "--adapter",
                dir.resolve("lora").toString(), "--format", "hf", "--out", dir.resolve("x").toString()));
        assertTrue(line.contains("must hold adapter_config.json and adapter_model.safetensors"), line);
        line = assertUserError(run("export", "--model", stories().toString(), "--format", "gguf", "--dtype", "q4",
                "--out", dir.resolve("x.gguf").toString()));
        assertTrue(line.contains("--dtype must be f32 or f16"), line);
        line = assertUserError(run("export", "--model", stories().toString(), "--format", "hf", "--dtype", "f16",
                "--out", dir.resolve("x").toString()));
        assertTrue(line.contains("hf format is written in F32"), line);
        assertTrue(assertUserError(run("export", "--model", dir.resolve("nowhere").toString(), "--format", "hf",
                "--out", dir.resolve("x").toString())).contains("model folder not found"));
    }

    /**
     * GGUF through the CLI, F32 and F16. Runs once the llama model lists {@code gguf} in its export formats;
     * until then the command must refuse it with the formats it has.
     */
    @Test
    void ggufExportWritesAGgufFileWhenTheModelOffersIt() throws IOException {
        Path f32 = dir.resolve("stories.gguf");
        CliTest.Result r = run("export", "--model", stories().toString(), "--format", "gguf", "--out", f32.toString());
        if (r.code() != 0) {
            String line = assertUserError(r);
            assertTrue(line.contains("cannot be exported as 'gguf'"), line);
            Assumptions.abort("the llama model does not list gguf in exportFormats() yet: " + line);
        }
        assertGguf(f32, 0);
        Path f16 = dir.resolve("stories-f16.gguf");
        r = run("export", "--model", stories().toString(), "--format", "gguf", "--dtype", "f16", "--out",
                f16.toString());
        assertEquals(0, r.code(), r.err());
        assertGguf(f16, 1);
        assertTrue(Files.size(f16) < Files.size(f32) * 0.6, "F16 roughly halves the file");
    }

    /** The GGUF header (magic, version 3) and the llama metadata and tensor names llama.cpp looks for. */
    private static void assertGguf(Path file, int fileType) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        assertArrayEquals("GGUF".getBytes(StandardCharsets.US_ASCII), Arrays.copyOf(bytes, 4));
        assertEquals(3, ByteBuffer.wrap(bytes, 4, 4).order(ByteOrder.LITTLE_ENDIAN).getInt());
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        for (String s : List.of("general.architecture", "llama.block_count", "tokenizer.ggml.tokens",
                "token_embd.weight", "blk.4.attn_q.weight", "output_norm.weight")) {
            assertTrue(text.contains(s), s);
        }
        int at = text.indexOf("general.file_type") + "general.file_type".length();
        ByteBuffer b = ByteBuffer.wrap(bytes, at, 8).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(4, b.getInt(), "UINT32");
        assertEquals(fileType, b.getInt());
    }
}
