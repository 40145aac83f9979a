package dev.longtune.eval.rouge;

import java.util.Map;
import java.util.function.Predicate;

/**
 * The Porter stemmer exactly as rouge_score uses it: NLTK's {@code nltk.stem.porter.PorterStemmer()} in its default
 * mode, {@code NLTK_EXTENSIONS}. No Java library implements that variant (Lucene's and Snowball's "porter" follow
 * Martin Porter's own C version, NLTK's {@code MARTIN_EXTENSIONS}), and the variants disagree on real words ("dying",
 * "skies", "happy"/"enjoy", "-alli", "-logi", "-fulli", two-letter cvc stems …), which would move ROUGE scores
 * computed with {@code use_stemmer}. So this is a port of NLTK's rules (Porter 1980, "An algorithm for suffix
 * stripping", plus the NLTK departures marked below), written from the algorithm and checked against NLTK's
 * published examples.
 *
 * <p>Input is expected lowercase ASCII letters and digits (what {@link RougeTokenizer} produces).
 */
public final class PorterStemmer {

    private PorterStemmer() {}

    /** NLTK's table of irregular forms: these words bypass the rules. */
    private static final Map<String, String> IRREGULAR = Map.ofEntries(Map.entry("sky", "sky"),
            Map.entry("skies", "sky"), Map.entry("dying", "die"), Map.entry("lying", "lie"),
            Map.entry("tying", "tie"), Map.entry("news", "news"), Map.entry("innings", "inning"),
            Map.entry("inning", "inning"), Map.entry("outings", "outing"), Map.entry("outing", "outing"),
            Map.entry("cannings", "canning"), Map.entry("canning", "canning"), Map.entry("howe", "howe"),
            Map.entry("proceed", "proceed"), Map.entry("exceed", "exceed"), Map.entry("succeed", "succeed"));

    public static String stem(String word) {
        String irregular = IRREGULAR.get(word);
        if (irregular != null) {
            return irregular;
        }
        if (word.length() <= 2) {
            return word;
        }
        String w = step1a(word);
        w = step1b(w);
        w = step1c(w);
        w = step2(w);
        w = step3(w);
        w = step4(w);
        w = step5a(w);
        return step5b(w);
    }

    // ---- conditions of the paper -------------------------------------------------------------------------------

    static boolean isConsonant(CharSequence w, int i) {
        char c = w.charAt(i);
        if (c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u') {
            return false;
        }
        if (c == 'y') {
            return i == 0 || !isConsonant(w, i - 1);
        }
        return true;
    }

    /** m in [C](VC){m}[V]: the number of vowel-to-consonant transitions. */
    static int measure(CharSequence stem) {
        int m = 0;
        for (int i = 1; i < stem.length(); i++) {
            if (!isConsonant(stem, i - 1) && isConsonant(stem, i)) {
                m++;
            }
        }
        return m;
    }

    private static boolean positiveMeasure(String stem) {
        return measure(stem) > 0;
    }

    private static boolean containsVowel(String stem) {
        for (int i = 0; i < stem.length(); i++) {
            if (!isConsonant(stem, i)) {
                return true;
            }
        }
        return false;
    }

    private static boolean endsDoubleConsonant(String w) {
        int n = w.length();
        return n >= 2 && w.charAt(n - 1) == w.charAt(n - 2) && isConsonant(w, n - 1);
    }

    /** *o: ends consonant-vowel-consonant, the last not w, x or y; NLTK also accepts a two-letter vowel-consonant. */
    static boolean endsCvc(String w) {
        int n = w.length();
        boolean cvc = n >= 3 && isConsonant(w, n - 3) && !isConsonant(w, n - 2) && isConsonant(w, n - 1)
                && "wxy".indexOf(w.charAt(n - 1)) < 0;
        return cvc || (n == 2 && !isConsonant(w, 0) && isConsonant(w, 1)); // NLTK extension
    }

    // ---- rule lists ---------------------------------------------------------------------------------------------

    private record Rule(String suffix, String replacement, Predicate<String> condition) {}

    /**
     * The first rule whose suffix the word ends with decides: its replacement if the condition holds on the stem,
     * the word unchanged otherwise (later rules are not tried).
     */
    private static String apply(String word, Rule... rules) {
        for (Rule r : rules) {
            if (word.endsWith(r.suffix())) {
                String stem = word.substring(0, word.length() - r.suffix().length());
                return r.condition() == null || r.condition().test(stem) ? stem + r.replacement() : word;
            }
        }
        return word;
    }

    private static Rule rule(String suffix, String replacement, Predicate<String> condition) {
        return new Rule(suffix, replacement, condition);
    }

    static String step1a(String w) {
        if (w.endsWith("ies") && w.length() == 4) {
            return w.charAt(0) + "ie"; // NLTK: "dies" -> "die" (the paper gives "di")
        }
        return apply(w, rule("sses", "ss", null), rule("ies", "i", null), rule("ss", "ss", null),
                rule("s", "", null));
    }

    static String step1b(String w) {
        if (w.endsWith("ied")) { // NLTK: "died" -> "die", "spied" -> "spi"
            return w.substring(0, w.length() - 3) + (w.length() == 4 ? "ie" : "i");
        }
        if (w.endsWith("eed")) {
            String stem = w.substring(0, w.length() - 3);
            return measure(stem) > 0 ? stem + "ee" : w;
        }
        String stem = null;
        if (w.endsWith("ed") && containsVowel(w.substring(0, w.length() - 2))) {
            stem = w.substring(0, w.length() - 2);
        } else if (w.endsWith("ing") && containsVowel(w.substring(0, w.length() - 3))) {
            stem = w.substring(0, w.length() - 3);
        }
        if (stem == null) {
            return w;
        }
        if (stem.endsWith("at") || stem.endsWith("bl") || stem.endsWith("iz")) {
            return stem + "e";
        }
        if (endsDoubleConsonant(stem)) {
            char last = stem.charAt(stem.length() - 1);
            // (*d and not (*L or *S or *Z)) -> single letter; a double l, s or z stays and ends the step.
            return last == 'l' || last == 's' || last == 'z' ? stem : stem.substring(0, stem.length() - 1);
        }
        return measure(stem) == 1 && endsCvc(stem) ? stem + "e" : stem;
    }

    /** NLTK: y -> i only after a consonant that is not the whole stem ("happy" -> "happi", "enjoy" stays). */
    static String step1c(String w) {
        return apply(w, rule("y", "i", stem -> stem.length() > 1 && isConsonant(stem, stem.length() - 1)));
    }

    static String step2(String w) {
        if (w.endsWith("alli") && positiveMeasure(w.substring(0, w.length() - 4))) { // NLTK
            return step2(w.substring(0, w.length() - 4) + "al");
        }
        Predicate<String> m0 = PorterStemmer::positiveMeasure;
        return apply(w, rule("ational", "ate", m0), rule("tional", "tion", m0), rule("enci", "ence", m0),
                rule("anci", "ance", m0), rule("izer", "ize", m0),
                rule("bli", "ble", m0), // Porter's departure from the paper's "abli"
                rule("alli", "al", m0), rule("entli", "ent", m0), rule("eli", "e", m0), rule("ousli", "ous", m0),
                rule("ization", "ize", m0), rule("ation", "ate", m0), rule("ator", "ate", m0),
                rule("alism", "al", m0), rule("iveness", "ive", m0), rule("fulness", "ful", m0),
                rule("ousness", "ous", m0), rule("aliti", "al", m0), rule("iviti", "ive", m0),
                rule("biliti", "ble", m0), rule("fulli", "ful", m0), // NLTK
                // NLTK: the 'l' of -logi stays with the stem when measuring ("geo" + "logi").
                rule("logi", "log", stem -> positiveMeasure(w.substring(0, w.length() - 3))));
    }

    static String step3(String w) {
        Predicate<String> m0 = PorterStemmer::positiveMeasure;
        return apply(w, rule("icate", "ic", m0), rule("ative", "", m0), rule("alize", "al", m0),
                rule("iciti", "ic", m0), rule("ical", "ic", m0), rule("ful", "", m0), rule("ness", "", m0));
    }

    static String step4(String w) {
        Predicate<String> m1 = stem -> measure(stem) > 1;
        return apply(w, rule("al", "", m1), rule("ance", "", m1), rule("ence", "", m1), rule("er", "", m1),
                rule("ic", "", m1), rule("able", "", m1), rule("ible", "", m1), rule("ant", "", m1),
                rule("ement", "", m1), rule("ment", "", m1), rule("ent", "", m1),
                rule("ion", "", stem -> measure(stem) > 1 && "st".indexOf(stem.charAt(stem.length() - 1)) >= 0),
                rule("ou", "", m1), rule("ism", "", m1), rule("ate", "", m1), rule("iti", "", m1),
                rule("ous", "", m1), rule("ive", "", m1), rule("ize", "", m1));
    }

    static String step5a(String w) {
        if (w.endsWith("e")) {
            String stem = w.substring(0, w.length() - 1);
            int m = measure(stem);
            if (m > 1 || (m == 1 && !endsCvc(stem))) {
                return stem;
            }
        }
        return w;
    }

    static String step5b(String w) {
        return w.endsWith("ll") && measure(w.substring(0, w.length() - 1)) > 1 ? w.substring(0, w.length() - 1) : w;
    }
}
