package dev.longtune.eval.needle;

import dev.longtune.api.LongtuneException;
import dev.longtune.api.TextTokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** The haystack text: {@code .txt} files concatenated in file-name order, repeated until enough tokens. */
public final class Haystack {

    /** The essays bundled in the jar (from {@code examples/data/haystack}), in file-name order. */
    public static final List<String> BUNDLED = List.of("addiction.txt", "avg.txt", "before.txt");

    static final String RESOURCES = "/dev/longtune/eval/needle/haystack/";

    private Haystack() {}

    /** The files' texts: from {@code folder}'s {@code *.txt} sorted by name, or the bundled essays when null. */
    public static List<String> read(String folder) throws IOException {
        List<String> texts = new ArrayList<>();
        if (folder == null) {
            for (String name : BUNDLED) {
                try (InputStream in = Haystack.class.getResourceAsStream(RESOURCES + name)) {
                    if (in == null) {
                        throw new LongtuneException("the bundled haystack essay " + name + " is missing from the "
                                + "plugins-eval jar; set 'haystack' to a folder of .txt files");
                    }
                    texts.add(new String(in.readAllBytes(), StandardCharsets.UTF_8));
                }
            }
            return texts;
        }
        Path dir = Path.of(folder);
        if (!Files.isDirectory(dir)) {
            throw new LongtuneException("needle: haystack folder " + dir.toAbsolutePath() + " does not exist");
        }
        List<Path> files;
        // Sorted, unlike the original's glob order (which is the file system's), so a run is reproducible anywhere.
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.getFileName().toString().endsWith(".txt") && Files.isRegularFile(p)).sorted()
                    .toList();
        }
        for (Path f : files) {
            texts.add(Files.readString(f, StandardCharsets.UTF_8));
        }
        if (texts.stream().allMatch(String::isBlank)) {
            throw new LongtuneException("needle: haystack folder " + dir.toAbsolutePath() + " has no non-empty .txt "
                    + "file");
        }
        return texts;
    }

    /**
     * The token ids of the texts concatenated (with nothing in between, as the original's {@code context +=
     * f.read()}) and repeated whole until there are at least {@code minTokens}.
     */
    public static int[] tokens(TextTokenizer tokenizer, List<String> texts, int minTokens) {
        String once = String.join("", texts);
        int repeats = 1;
        while (true) {
            int[] ids = tokenizer.encode(once.repeat(repeats));
            if (ids.length >= minTokens) {
                return ids;
            }
            // Jump close to the number of repeats needed instead of re-encoding one more copy at a time.
            repeats = Math.max(repeats + 1, (int) Math.ceil(repeats * (double) minTokens / Math.max(1, ids.length)));
        }
    }
}
