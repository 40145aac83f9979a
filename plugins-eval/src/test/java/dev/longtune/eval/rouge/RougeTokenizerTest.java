package dev.longtune.eval.rouge;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** rouge_score's tokenisation ({@code rouge/tokenize.py}), worked by hand from its three regular expressions. */
class RougeTokenizerTest {

    private static final RougeTokenizer PLAIN = new RougeTokenizer(false);

    @Test
    void lowercasesAndSplitsOnEverythingButLettersAndDigits() {
        assertEquals(List.of("the", "quick", "brown", "fox", "3", "5", "don", "t", "e", "mail"),
                PLAIN.tokenize("The QUICK brown-fox, 3.5 don't\te_mail!"));
    }

    @Test
    void punctuationOnlyAndEmptyGiveNoTokens() {
        assertEquals(List.of(), PLAIN.tokenize(""));
        assertEquals(List.of(), PLAIN.tokenize("  ...!?/ \n"));
    }

    @Test
    void nonAsciiLettersAreSeparatorsAsInTheReference() {
        // Python: "Café naïve".lower() -> "café naïve"; [^a-z0-9]+ -> "caf na ve".
        assertEquals(List.of("caf", "na", "ve"), PLAIN.tokenize("Café naïve"));
        assertEquals(List.of(), PLAIN.tokenize("日本語 😀"));
        // Unicode lowercasing that lands in ASCII: KELVIN SIGN -> "k"; dotted capital I -> "i" + U+0307.
        assertEquals(List.of("5k"), PLAIN.tokenize("5\u212A"));
        assertEquals(List.of("i", "stanbul"), PLAIN.tokenize("\u0130stanbul"));
    }

    @Test
    void stemsOnlyWordsLongerThanThreeCharacters() {
        RougeTokenizer stemming = new RougeTokenizer(true);
        // "ties" (4 characters) stems to "tie" (NLTK's extension; the paper gives "ti"), "running" to "run",
        // "cats" to "cat"; "led" and "ies" (3 characters) are left alone.
        assertEquals(List.of("tie", "led", "ies", "run", "cat"), stemming.tokenize("ties led ies running cats"));
    }
}
