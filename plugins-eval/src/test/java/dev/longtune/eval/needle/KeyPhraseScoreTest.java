package dev.longtune.eval.needle;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class KeyPhraseScoreTest {

    private static final List<String> PHRASES = NeedleOptions.KEY_PHRASES;

    @Test
    void fractionOfKeyPhrasesFound() {
        assertEquals(1.0, KeyPhraseScore.score("Eat a sandwich and sit in Dolores Park on a sunny day.", PHRASES));
        assertEquals(0.5, KeyPhraseScore.score("You should EAT A SANDWICH!", PHRASES));
        assertEquals(0.5, KeyPhraseScore.score("go to dolores-park", PHRASES), "punctuation is a word break");
        assertEquals(0.5, KeyPhraseScore.score("eat  a\nsandwich", PHRASES), "any whitespace");
        assertEquals(0.0, KeyPhraseScore.score("Once upon a time there was a dog.", PHRASES));
        assertEquals(0.0, KeyPhraseScore.score("", PHRASES));
    }

    @Test
    void wholeWordsOnly() {
        assertEquals(0.0, KeyPhraseScore.score("eat a sandwiches", PHRASES));
        assertEquals(0.0, KeyPhraseScore.score("great a sandwich", PHRASES));
    }

    @Test
    void normalises() {
        assertEquals("eat a sandwich in dolores park", KeyPhraseScore.normalise("  Eat a SANDWICH, in Dolores-Park! "));
    }
}
