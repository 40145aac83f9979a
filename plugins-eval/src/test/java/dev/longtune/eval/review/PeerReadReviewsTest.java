package dev.longtune.eval.review;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.longtune.conformance.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * The lexicon on real reviews: the 24 official ICLR 2017 reviews of the shared PeerRead sample (skipped, saying so,
 * without {@code ../shared}). Human reviewers are not asked for the four criteria in ICLR 2017's form, so they do
 * not all cover them; what this pins is that the lexicon finds each criterion in most real reviews, while the
 * papers' own abstracts (same vocabulary, not reviews) stay low.
 */
class PeerReadReviewsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static List<JsonNode> rows(Path file) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            if (!line.isBlank()) {
                out.add(JSON.readTree(line));
            }
        }
        return out;
    }

    @Test
    void eachCriterionIsFoundInMostRealReviews() throws IOException {
        List<JsonNode> reviews = rows(Fixtures.sharedOrSkip("data/peerread/reviews.jsonl"));
        assertEquals(24, reviews.size());
        int[] hits = new int[4];
        double coverage = 0;
        int allFour = 0;
        for (JsonNode r : reviews) {
            ReviewStructure.Coverage c = ReviewStructure.analyse(r.get("review_text").asText(), 20);
            coverage += c.score();
            allFour += c.count() == 4 ? 1 : 0;
            for (ReviewCriterion k : ReviewCriterion.values()) {
                hits[k.ordinal()] += c.covers(k) ? 1 : 0;
            }
            System.out.println(r.get("paper_id").asText() + " " + c.count() + "/4 " + c.evidence());
        }
        StringBuilder report = new StringBuilder("PeerRead reviews: coverage "
                + String.format(Locale.ROOT, "%.3f", coverage / reviews.size()) + ", all four " + allFour + "/24");
        for (ReviewCriterion k : ReviewCriterion.values()) {
            report.append(", ").append(k.key()).append(' ').append(hits[k.ordinal()]).append("/24");
        }
        System.out.println(report);
        for (ReviewCriterion k : ReviewCriterion.values()) {
            assertTrue(hits[k.ordinal()] >= 12, k.key() + " found in only " + hits[k.ordinal()] + " of 24: " + report);
        }
        assertTrue(coverage / reviews.size() >= 0.6, report.toString());
    }

    @Test
    void thePapersOwnAbstractsDoNotReadAsReviews() throws IOException {
        List<JsonNode> papers = rows(Fixtures.sharedOrSkip("data/peerread/papers.jsonl"));
        assertEquals(8, papers.size());
        int total = 0;
        for (JsonNode p : papers) {
            ReviewStructure.Coverage c = ReviewStructure.analyse(p.get("abstract").asText(), 20);
            System.out.println("abstract " + p.get("id").asText() + " " + c.count() + "/4 " + c.evidence());
            assertTrue(c.count() <= 2, p.get("id").asText() + ": " + c.evidence());
            total += c.count();
        }
        // Reviews average 2.7 of 4 criteria (test above); abstracts must stay well below.
        assertTrue(total / 8.0 <= 1.0, "abstracts average " + total / 8.0 + " criteria");
    }
}
