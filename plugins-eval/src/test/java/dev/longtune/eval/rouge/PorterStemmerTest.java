package dev.longtune.eval.rouge;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The stemmer is NLTK's {@code PorterStemmer()} default mode, {@code NLTK_EXTENSIONS}, which rouge_score constructs
 * ({@code rouge/tokenizers.py}: {@code porter.PorterStemmer()}), and not Martin Porter's C version that Java
 * libraries (Lucene, Snowball) implement.
 */
class PorterStemmerTest {

    @Test
    void nltkDoctestPlurals() {
        // nltk/nltk, nltk/test/stem.doctest, "Unit tests for the Porter stemmer".
        List<String> plurals = List.of("caresses", "flies", "dies", "mules", "denied", "died", "agreed", "owned",
                "humbled", "sized", "meeting", "stating", "siezing", "itemization", "sensational", "traditional",
                "reference", "colonizer", "plotted");
        List<String> stems = new ArrayList<>();
        plurals.forEach(w -> stems.add(PorterStemmer.stem(w)));
        assertEquals("caress fli die mule deni die agre own humbl size meet state siez item sensat tradit refer colon "
                + "plot", String.join(" ", stems));
    }

    @Test
    void nltkOedBug() {
        // nltk/nltk, nltk/test/unit/test_stem.py, PorterTest.test_oed_bug.
        assertEquals("o", PorterStemmer.stem("oed"));
    }

    /**
     * Words on which NLTK's mode and Martin Porter's differ: {word, NLTK_EXTENSIONS stem, MARTIN_EXTENSIONS stem},
     * every 11th such word of the test vocabulary NLTK tests against (nltk/nltk_data,
     * {@code packages/stemmers/porter_test.zip}: {@code porter_vocabulary.txt}, {@code porter_nltk_output.txt},
     * {@code porter_martin_output.txt}; used by {@code test_stem.py} PorterTest.test_vocabulary_nltk_mode). The
     * Martin column shows what a Lucene or Snowball "porter" stemmer would have given instead.
     */
    private static final String[][] NLTK_VS_MARTIN = {
            {"abbey", "abbey", "abbei"},
            {"allay", "allay", "allai"},
            {"ape", "ape", "ap"},
            {"attorneyed", "attorney", "attornei"},
            {"bay", "bay", "bai"},
            {"birthday", "birthday", "birthdai"},
            {"carefully", "care", "carefulli"},
            {"cloying", "cloy", "cloi"},
            {"crying", "cri", "cry"},
            {"denay", "denay", "denai"},
            {"disobeys", "disobey", "disobei"},
            {"employed", "employ", "emploi"},
            {"essay", "essay", "essai"},
            {"eying", "eye", "ei"},
            {"fray", "fray", "frai"},
            {"galloway", "galloway", "gallowai"},
            {"halfway", "halfway", "halfwai"},
            {"highways", "highway", "highwai"},
            {"ice", "ice", "ic"},
            {"journeys", "journey", "journei"},
            {"lackeys", "lackey", "lackei"},
            {"manfully", "man", "manfulli"},
            {"motley", "motley", "motlei"},
            {"norways", "norway", "norwai"},
            {"ope", "ope", "op"},
            {"oyes", "oye", "oy"},
            {"pays", "pay", "pai"},
            {"ply", "pli", "ply"},
            {"proceed", "proceed", "proce"},
            {"repays", "repay", "repai"},
            {"say", "say", "sai"},
            {"sies", "sie", "si"},
            {"spightfully", "spight", "spightfulli"},
            {"stays", "stay", "stai"},
            {"surrey", "surrey", "surrei"},
            {"thy", "thi", "thy"},
            {"try", "tri", "try"},
            {"unsay", "unsay", "unsai"},
            {"valleys", "valley", "vallei"},
            {"whey", "whey", "whei"},
            {"yesterday", "yesterday", "yesterdai"},
    };

    @Test
    void followsNltkWhereTheVariantsDisagree() {
        for (String[] row : NLTK_VS_MARTIN) {
            assertEquals(row[1], PorterStemmer.stem(row[0]), row[0] + " (Martin's version: " + row[2] + ")");
        }
    }

    @Test
    void paperExamplesThatNltkKeeps() {
        // Porter (1980), step by step, as quoted in NLTK's porter.py docstrings (unchanged by NLTK's extensions).
        String[][] examples = {{"caresses", "caress"}, {"ponies", "poni"}, {"cats", "cat"}, {"feed", "feed"},
            {"agreed", "agre"}, {"plastered", "plaster"}, {"motoring", "motor"}, {"sing", "sing"},
            {"conflated", "conflat"}, {"hopping", "hop"}, {"falling", "fall"}, {"filing", "file"},
            {"happy", "happi"}, {"relational", "relat"}, {"conditional", "condit"}, {"rational", "ration"},
            {"triplicate", "triplic"}, {"formative", "form"}, {"electrical", "electr"}, {"hopeful", "hope"},
            {"goodness", "good"}, {"revival", "reviv"}, {"allowance", "allow"}, {"adjustable", "adjust"},
            {"adoption", "adopt"}, {"probate", "probat"}, {"rate", "rate"}, {"cease", "ceas"},
            {"controlling", "control"}, {"generalizations", "gener"}, {"oscillators", "oscil"}};
        for (String[] e : examples) {
            assertEquals(e[1], PorterStemmer.stem(e[0]), e[0]);
        }
    }

    /**
     * All 23,531 words of NLTK's test vocabulary against {@code porter_nltk_output.txt} (nltk_data's
     * {@code porter_test.zip}, committed gzipped under {@code src/test/resources/porter_test} with its NOTICE).
     */
    @Test
    void wholeNltkVocabulary() throws IOException {
        List<String> words = gzippedLines("/porter_test/porter_vocabulary.txt.gz");
        List<String> expected = gzippedLines("/porter_test/porter_nltk_output.txt.gz");
        assertEquals(23_531, words.size());
        assertEquals(words.size(), expected.size());
        List<String> wrong = new ArrayList<>();
        for (int i = 0; i < words.size(); i++) {
            String got = PorterStemmer.stem(words.get(i));
            if (!got.equals(expected.get(i))) {
                wrong.add(words.get(i) + " -> " + got + " (NLTK: " + expected.get(i) + ")");
            }
        }
        assertEquals(List.of(), wrong);
    }

    private static List<String> gzippedLines(String resource) throws IOException {
        try (var in = new java.util.zip.GZIPInputStream(PorterStemmerTest.class.getResourceAsStream(resource))) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).lines().toList();
        }
    }
}
