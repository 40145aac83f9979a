package dev.longtune.models.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.longtune.api.LongtuneException;
import dev.longtune.conformance.Fixtures;
import dev.longtune.models.TestModels;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HfTextTokenizerTest {

    @Test
    void storiesRoundTripAndSpecialIds() throws Exception {
        Path dir = Fixtures.stories260K();
        try (HfTextTokenizer t = HfTextTokenizer.load(dir, TestModels.config(dir))) {
            assertEquals(512, t.vocabSize());
            assertEquals(1, t.bosId().getAsInt());
            assertEquals(2, t.eosId().getAsInt());
            String text = "Once upon a time, there was a little girl named Lily.";
            int[] ids = t.encode(text);
            assertTrue(ids.length > 5 && ids[0] != 1, "no BOS added by encode");
            assertEquals(text, t.decode(ids));
            int[] withBos = t.encodeWithBos(text);
            assertEquals(1, withBos[0]);
            assertEquals(text, t.decode(withBos), "decode skips special tokens");
        }
    }

    @Test
    void longTextIsNotTruncatedTo512() throws Exception {
        Path dir = Fixtures.stories260K();
        try (HfTextTokenizer t = HfTextTokenizer.load(dir, TestModels.config(dir))) {
            String text = "The little dog ran to the park and played with a red ball. ".repeat(200);
            int[] ids = t.encode(text);
            assertTrue(ids.length > 2000, "got " + ids.length + " tokens");
            assertEquals(text.strip(), t.decode(ids).strip());
        }
    }

    @Test
    void bosEosFallBackToConfigJson(@TempDir Path tmp) throws Exception {
        Files.copy(Fixtures.stories260K().resolve("tokenizer.json"), tmp.resolve("tokenizer.json"));
        var cfg = TestModels.JSON.createObjectNode().put("bos_token_id", 1);
        cfg.putArray("eos_token_id").add(2).add(0);
        try (HfTextTokenizer t = HfTextTokenizer.load(tmp, cfg)) {
            assertEquals(1, t.bosId().getAsInt());
            assertEquals(2, t.eosId().getAsInt());
        }
    }

    @Test
    void missingTokenizerJsonIsAClearError(@TempDir Path tmp) {
        LongtuneException e = assertThrows(LongtuneException.class, () -> HfTextTokenizer.load(tmp, null));
        assertTrue(e.getMessage().contains("tokenizer.json"), e.getMessage());
    }

    @Test
    void mistralTokenizerLoadsWithBos1Eos2() throws Exception {
        Path file = Fixtures.sharedOrSkip("tokenizers/mistral-7b-v0.1/tokenizer.json");
        try (HfTextTokenizer t = HfTextTokenizer.load(file.getParent(), null)) {
            assertEquals(32000, t.vocabSize());
            assertEquals(1, t.bosId().getAsInt());
            assertEquals(2, t.eosId().getAsInt());
            String text = "Hello world, this is Longtune.";
            assertEquals(text, t.decode(t.encode(text)));
        }
    }
}
