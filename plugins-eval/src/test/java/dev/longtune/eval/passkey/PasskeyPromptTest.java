package dev.longtune.eval.passkey;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.longtune.eval.ScriptedModel;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The prompt against the protocol's text (numerics spec F / passkey_retrivial.py), written out by hand. */
class PasskeyPromptTest {

    @Test
    void promptIsTheFiveLinesOfTheProtocolJoinedWithNewlines() {
        // n_garbage 100 split 30 / 70; both parts cut from the start of the repeated garbage.
        String expected = "There is an important info hidden inside a lot of irrelevant text. Find it and memorize "
                + "them. I will quiz you about the important information there.\n"
                + "The grass is green. The sky is\n"
                + "The pass key is 12345. Remember it. 12345 is the pass key.\n"
                + "The grass is green. The sky is blue. The sun is yellow. Here we go. Th\n"
                + "What is the pass key? The pass key is";
        assertEquals(expected, PasskeyPrompt.prompt(100, 30, 12345));
    }

    @Test
    void garbageRepeatsTheSentencesJoinedBySingleSpaces() {
        // " ".join([garbage] * 5000)[:95]: one full copy (89 characters), a space, then the start again.
        assertEquals("The grass is green. The sky is blue. The sun is yellow. Here we go. There and back again. The g",
                PasskeyPrompt.garbage(95));
        assertEquals("", PasskeyPrompt.garbage(0));
        assertEquals(1_000_000, PasskeyPrompt.garbage(1_000_000).length(), "no 5000-copy ceiling");
    }

    @Test
    void emptyGarbageLeavesEmptyLines() {
        assertEquals(PasskeyPrompt.TASK + "\n\n" + PasskeyPrompt.keyLine(7) + "\n\n" + PasskeyPrompt.QUESTION,
                PasskeyPrompt.prompt(0, 0, 7));
        assertThrows(IllegalArgumentException.class, () -> PasskeyPrompt.prompt(10, 11, 7));
    }

    @Test
    void drawsPrefixThenKeyFromTheProtocolsRanges() {
        int minKey = Integer.MAX_VALUE;
        int maxKey = 0;
        for (int seed = 0; seed < 2000; seed++) {
            PasskeyPrompt.Test t = PasskeyPrompt.draw(50, new Random(seed));
            assertTrue(t.prefixChars() >= 0 && t.prefixChars() < 50, "randint(0, n) excludes n: " + t.prefixChars());
            minKey = Math.min(minKey, t.key());
            maxKey = Math.max(maxKey, t.key());
            assertEquals(String.valueOf(t.key()), t.answer());
        }
        assertTrue(minKey >= 1 && maxKey < 50000 && maxKey > 40000, minKey + ".." + maxKey);
        // java.util.Random(seed): the first draw is the prefix, the second the key.
        Random r = new Random(3);
        int prefix = r.nextInt(1000);
        int key = 1 + r.nextInt(49999);
        PasskeyPrompt.Test t = PasskeyPrompt.draw(1000, new Random(3));
        assertEquals(prefix, t.prefixChars());
        assertEquals(key, t.key());
        assertEquals(PasskeyPrompt.prompt(1000, prefix, key), t.prompt());
        assertEquals(0, PasskeyPrompt.draw(0, new Random(1)).prefixChars());
    }

    @Test
    void garbageIsSizedSoTheTestFitsTheLengthInTokens() {
        // One token per character: BOS 1 + task 148 + key line 58 + question 37 + 4 newlines + a 5-digit answer
        // = 253 tokens besides the garbage, plus 4 of slack: a 300-token test holds 300 - 257 = 43 characters.
        assertEquals(43, GarbageBudget.garbageChars(ScriptedModel.CHARS, 300));
        assertEquals(0, GarbageBudget.garbageChars(ScriptedModel.CHARS, 257));
        assertEquals(-1, GarbageBudget.garbageChars(ScriptedModel.CHARS, 256));
        assertEquals(4000 - 257, GarbageBudget.garbageChars(ScriptedModel.CHARS, 4000));
    }
}
