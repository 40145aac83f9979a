package dev.longtune.eval.bleu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** sacrebleu's 13a tokenizer, worked by hand from its four regular expressions ({@code tokenizer_re.py}). */
class Tokenizer13aTest {

    @Test
    void splitsOffPunctuationButNotApostrophesOrHyphens() {
        assertEquals("It wasn't surprising .", Tokenizer13a.tokenize("It wasn't surprising."));
        assertEquals("Hello , well-known world ! ( really ? )",
                Tokenizer13a.tokenize("Hello, well-known world! (really?)"));
        assertEquals("a \" quoted \" word ; x / y : z", Tokenizer13a.tokenize("a \"quoted\" word; x/y: z"));
    }

    @Test
    void keepsDecimalPointsAndThousandsSeparatorsButSplitsADashAfterADigit() {
        assertEquals("pi is 3.14 , about 1,000 .", Tokenizer13a.tokenize("pi is 3.14, about 1,000."));
        assertEquals("1990 - 2000", Tokenizer13a.tokenize("1990-2000"));
        assertEquals("a-1", Tokenizer13a.tokenize("a-1"));
    }

    @Test
    void unescapesEntitiesJoinsLinesAndDropsSkipped() {
        assertEquals("Tom & Jerry < 3 \"", Tokenizer13a.tokenize("Tom &amp; Jerry &lt; 3 &quot;"));
        assertEquals("hyphenated word", Tokenizer13a.tokenize("hyphen-\nated <skipped>word"));
        assertEquals("two lines", Tokenizer13a.tokenize("two\nlines"));
    }

    @Test
    void splitsOnUnicodeWhitespaceLikePythonAndKeepsOtherUnicode() {
        // Python's str.split() splits on the no-break space; Java's isWhitespace would not.
        assertEquals("zahăr alb ;", Tokenizer13a.tokenize("zahăr\u00A0alb;"));
        assertEquals("", Tokenizer13a.tokenize(""));
        assertEquals("", Tokenizer13a.tokenize(" \t "));
    }
}
