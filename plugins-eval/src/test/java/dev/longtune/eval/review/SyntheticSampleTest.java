package dev.longtune.eval.review;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.longtune.conformance.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The committed synthetic paper-review sample ({@code examples/paper-review/data}, written by make_sample.py) keeps
 * the PeerRead sample's format - same files, keys, instruction, input layout, row alignment and mismatched-review
 * negatives - and its reviews read as four-criteria reviews to {@code review_structure}.
 */
class SyntheticSampleTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path DATA = Fixtures.projectRoot().resolve("examples/paper-review/data");

    private static List<JsonNode> rows(Path file) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            out.add(JSON.readTree(line));
        }
        return out;
    }

    private static Set<String> keys(JsonNode n) {
        Set<String> s = new TreeSet<>();
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
            s.add(it.next());
        }
        return s;
    }

    @Test
    void hasThePeerReadSamplesFilesKeysAndLayout() throws IOException {
        List<JsonNode> papers = rows(DATA.resolve("papers.jsonl"));
        List<JsonNode> reviews = rows(DATA.resolve("reviews.jsonl"));
        List<JsonNode> sft = rows(DATA.resolve("sft_alpaca.jsonl"));
        List<JsonNode> pref = rows(DATA.resolve("preference.jsonl"));
        List<JsonNode> meta = rows(DATA.resolve("preference_meta.jsonl"));
        assertEquals(Set.of("id", "title", "accepted", "abstract", "text", "source"), keys(papers.get(0)));
        assertEquals(Set.of("paper_id", "review_text", "rating", "confidence", "reviewer", "review_title", "date",
                "source"), keys(reviews.get(0)));
        assertEquals(Set.of("instruction", "input", "output"), keys(sft.get(0)));
        assertEquals(Set.of("prompt", "chosen", "rejected"), keys(pref.get(0)));
        assertEquals(Set.of("paper_id", "chosen_reviewer", "chosen_confidence", "chosen_rating", "rejected_type",
                "rejected_from_paper_id", "rejected_reviewer", "rejected_rating"), keys(meta.get(0)));
        assertTrue(papers.size() >= 8 && papers.size() <= 12, "papers: " + papers.size());
        assertEquals(sft.size(), reviews.size());
        assertEquals(papers.size(), pref.size());

        Map<String, JsonNode> byId = new HashMap<>();
        papers.forEach(p -> byId.put(p.get("id").asText(), p));
        String instruction = sft.get(0).get("instruction").asText();
        for (int i = 0; i < sft.size(); i++) {
            JsonNode p = byId.get(reviews.get(i).get("paper_id").asText());
            int chars = p.get("text").asText().length();
            assertTrue(chars >= 1000 && chars <= 3000, "paper text of 1-3K characters: " + chars);
            assertEquals(instruction, sft.get(i).get("instruction").asText());
            assertEquals("Title: " + p.get("title").asText() + "\n\nAbstract: " + p.get("abstract").asText() + "\n\n"
                    + p.get("text").asText(), sft.get(i).get("input").asText(), "row " + i + " = review row " + i);
            assertEquals(reviews.get(i).get("review_text").asText(), sft.get(i).get("output").asText());
        }
        for (int i = 0; i < pref.size(); i++) {
            JsonNode m = meta.get(i);
            JsonNode p = byId.get(m.get("paper_id").asText());
            assertEquals(papers.get((i + 1) % papers.size()).get("id").asText(),
                    m.get("rejected_from_paper_id").asText(), "rejected = the next paper's chosen, wrapping round");
            assertEquals("mismatched_review", m.get("rejected_type").asText());
            assertTrue(pref.get(i).get("prompt").asText().startsWith(instruction + "\n\nTitle: "
                    + p.get("title").asText() + "\n\nAbstract: "));
            assertEquals(pref.get((i + 1) % pref.size()).get("chosen").asText(), pref.get(i).get("rejected").asText());
            assertNotEquals(pref.get(i).get("chosen").asText(), pref.get(i).get("rejected").asText());
        }
    }

    @Test
    void usesExactlyThePeerReadSamplesInstruction() throws IOException {
        Path real = Fixtures.sharedOrSkip("data/peerread/sft_alpaca.jsonl");
        String expected = JSON.readTree(Files.readAllLines(real).get(0)).get("instruction").asText();
        assertEquals(expected, rows(DATA.resolve("sft_alpaca.jsonl")).get(0).get("instruction").asText());
    }

    @Test
    void itsReviewsReadAsFourCriteriaReviews() throws IOException {
        List<JsonNode> reviews = rows(DATA.resolve("reviews.jsonl"));
        double coverage = 0;
        int[] hits = new int[4];
        for (JsonNode r : reviews) {
            ReviewStructure.Coverage c = ReviewStructure.analyse(r.get("review_text").asText(), 20);
            coverage += c.score();
            for (ReviewCriterion k : ReviewCriterion.values()) {
                hits[k.ordinal()] += c.covers(k) ? 1 : 0;
            }
        }
        String report = String.format(Locale.ROOT, "synthetic reviews: coverage %.3f, novelty %d, accept %d, "
                + "reject %d, suggestions %d of %d", coverage / reviews.size(), hits[0], hits[1], hits[2], hits[3],
                reviews.size());
        System.out.println(report);
        // Written in the four-criteria style, with some criteria left out on purpose: well above the 0.625 of the
        // real ICLR 2017 reviews, below 1.
        assertTrue(coverage / reviews.size() >= 0.75 && coverage / reviews.size() < 1.0, report);
    }
}
