package dev.longtune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longtune.testing.ProjectPaths;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The command line, in process: exit codes, what is printed, and that user errors are one clean line. */
class CliTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    record Result(int code, String out, String err) {}

    static Result run(String... args) {
        CommandLine cl = LongtuneCommand.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Result(code, out.toString(), err.toString());
    }

    /** A user error: non-zero exit, one line starting "error:", no stack trace. */
    static String assertUserError(Result r) {
        assertEquals(LongtuneCommand.USER_ERROR, r.code(), r.err());
        List<String> lines = r.err().lines().filter(l -> !l.isBlank()).toList();
        assertEquals(1, lines.size(), "one line, got: " + r.err());
        assertTrue(lines.get(0).startsWith("error: "), r.err());
        assertFalse(r.err().contains("Exception") || r.err().contains("\tat "), "no stack trace: " + r.err());
        return lines.get(0);
    }

    @Test
    void versionAndHelp() {
        Result v = run("--version");
        assertEquals(0, v.code());
        assertTrue(v.out().startsWith("longtune "), v.out());
        Result h = run("--help");
        assertEquals(0, h.code());
        for (String cmd : List.of("run", "validate", "plugins", "generate")) {
            assertTrue(h.out().contains(cmd), h.out());
        }
    }

    @Test
    void pluginsListsEveryFamilyWithItsJar() {
        Result r = run("plugins");
        assertEquals(0, r.code(), r.err());
        for (String expected : List.of("model architecture", "llama", "longtune-plugins-models",
                "context extension", "linear", "fine-tuning method", "sft", "evaluator", "perplexity")) {
            assertTrue(r.out().contains(expected), "missing '" + expected + "' in:\n" + r.out());
        }
    }

    @Test
    void validateAcceptsTheQuickstartAndRejectsATypoWithOneLine() throws IOException {
        Path quickstart = ProjectPaths.examples().resolve("quickstart.yaml");
        Result ok = run("validate", quickstart.toString());
        assertEquals(0, ok.code(), ok.err());
        assertTrue(ok.out().contains("OK"), ok.out());

        String line = assertUserError(run("validate", quickstart.toString(), "--set", "method.type=sfft"));
        assertTrue(line.contains("unknown fine-tuning method 'sfft' — did you mean 'sft'?"), line);

        assertUserError(run("validate", dir.resolve("missing.yaml").toString()));
    }

    @Test
    void unknownPluginNameInAConfigFile() throws IOException {
        Path f = dir.resolve("bad.yaml");
        Files.writeString(f, "model:\n  path: " + ProjectPaths.examples().resolve("models/stories260K")
                + "\ncontext:\n  type: yarm\n  factor: 2\n");
        String line = assertUserError(run("validate", f.toString()));
        assertTrue(line.contains("bad.yaml: context.type (line 4): unknown context extension 'yarm'"), line);
    }

    @Test
    void greedyGenerationFromBosReproducesLlama2cThroughTheCli() throws IOException {
        Path model = ProjectPaths.examples().resolve("models/stories260K");
        int[] expected = JSON.readValue(model.resolve("greedy_ids_from_bos_256.json").toFile(), int[].class);
        Result r = run("generate", "--model", model.toString(), "--max-new-tokens", String.valueOf(expected.length - 1),
                "--ignore-eos", "--print-ids");
        assertEquals(0, r.code(), r.err());
        List<String> lines = r.out().lines().toList();
        String ids = lines.get(lines.size() - 1);
        assertEquals(Arrays.toString(Arrays.copyOfRange(expected, 1, expected.length)), ids);
        assertTrue(r.out().startsWith("Once upon a time"), r.out());
    }

    @Test
    void badModelInputsGiveOneClearLine() throws IOException {
        assertTrue(assertUserError(run("generate", "--model", dir.resolve("nowhere").toString()))
                .contains("model folder not found"));

        Path src = ProjectPaths.examples().resolve("models/stories260K");
        Path unknown = copyModel(src, dir.resolve("unknown"));
        ObjectNode config = (ObjectNode) JSON.readTree(unknown.resolve("config.json").toFile());
        config.put("model_type", "gpt_neox");
        JSON.writeValue(unknown.resolve("config.json").toFile(), config);
        assertTrue(assertUserError(run("generate", "--model", unknown.toString())).contains("model_type 'gpt_neox'"));

        // A tokenizer with more tokens than the checkpoint's vocabulary does not belong to it.
        Path mismatch = copyModel(src, dir.resolve("mismatch"));
        ObjectNode tok = (ObjectNode) JSON.readTree(mismatch.resolve("tokenizer.json").toFile());
        ObjectNode vocab = (ObjectNode) tok.get("model").get("vocab");
        for (int i = 0; i < 100; i++) {
            vocab.put("extra_token_" + i, 512 + i);
        }
        JSON.writeValue(mismatch.resolve("tokenizer.json").toFile(), tok);
        String line = assertUserError(run("generate", "--model", mismatch.toString()));
        assertTrue(line.contains("tokenizer") && line.contains("512"), line);
    }

    static Path copyModel(Path src, Path dst) throws IOException {
        Files.createDirectories(dst);
        for (String f : List.of("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json")) {
            Files.copy(src.resolve(f), dst.resolve(f));
        }
        return dst;
    }
}
