package dev.longtune.eval.rouge;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * rouge_score's default tokenisation (google-research {@code rouge/tokenize.py}, which reproduces ROUGE-1.5.5):
 * lowercase, every run of characters outside {@code [a-z0-9]} becomes a space, split, and keep the non-empty tokens.
 * With stemming, tokens longer than 3 characters go through the Porter stemmer in NLTK's default mode
 * ({@link PorterStemmer}).
 *
 * <p>Lowercasing is Unicode-aware like Python's {@code str.lower()}: the Kelvin sign becomes {@code k} and a dotted
 * capital I becomes {@code i} plus a combining dot (which is then a separator), so those few non-ASCII letters
 * survive exactly as they do in the reference. Every other non-ASCII letter is a separator; ROUGE is an
 * English-only metric in this form.
 */
public final class RougeTokenizer {

    private final boolean stem;

    public RougeTokenizer(boolean stem) {
        this.stem = stem;
    }

    public boolean stems() {
        return stem;
    }

    public List<String> tokenize(String text) {
        String lower = text.toLowerCase(Locale.ROOT);
        List<String> tokens = new ArrayList<>();
        int start = -1;
        for (int i = 0; i <= lower.length(); i++) {
            boolean word = i < lower.length() && isWordChar(lower.charAt(i));
            if (word && start < 0) {
                start = i;
            } else if (!word && start >= 0) {
                tokens.add(finish(lower.substring(start, i)));
                start = -1;
            }
        }
        return tokens;
    }

    private String finish(String token) {
        // The reference stems only words of more than 3 characters.
        return stem && token.length() > 3 ? PorterStemmer.stem(token) : token;
    }

    private static boolean isWordChar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    }
}
