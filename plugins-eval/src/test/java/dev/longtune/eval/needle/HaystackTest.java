package dev.longtune.eval.needle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.longtune.conformance.Fixtures;
import dev.longtune.eval.ScriptedModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The bundled haystack is the examples/data/haystack folder, packed into the jar; it stays small and credited. */
class HaystackTest {

    private static final Path FOLDER = Fixtures.projectRoot().resolve("examples/data/haystack");

    @Test
    void bundledEssaysAreTheExampleFolderInNameOrder() throws Exception {
        List<String> names;
        try (Stream<Path> s = Files.list(FOLDER)) {
            names = s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".txt")).sorted().toList();
        }
        assertEquals(names, Haystack.BUNDLED);
        List<String> fromFolder = new ArrayList<>();
        for (String n : names) {
            fromFolder.add(Files.readString(FOLDER.resolve(n)));
        }
        assertEquals(fromFolder, Haystack.read(null), "the jar's copies are the folder's files");
        assertEquals(fromFolder, Haystack.read(FOLDER.toString()), "reading the folder gives the same");
    }

    @Test
    void bundledHaystackIsSmallAndCredited() throws Exception {
        long bytes = 0;
        for (String n : Haystack.BUNDLED) {
            bytes += Files.size(FOLDER.resolve(n));
        }
        assertTrue(bytes < 100_000, bytes + " bytes");
        String notice = Files.readString(FOLDER.resolve("NOTICE"));
        assertTrue(notice.contains("Paul Graham") && notice.contains("MIT"), "NOTICE names the source and licences");
    }

    @Test
    void repeatsTheTextUntilLongEnough() {
        List<String> texts = List.of("ab", "c");
        assertEquals("abc", ScriptedModel.CHARS.decode(Haystack.tokens(ScriptedModel.CHARS, texts, 2)));
        assertEquals("abcabcabcabc", ScriptedModel.CHARS.decode(Haystack.tokens(ScriptedModel.CHARS, texts, 10)));
    }
}
