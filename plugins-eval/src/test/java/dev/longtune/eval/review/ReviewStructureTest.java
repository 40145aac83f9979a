package dev.longtune.eval.review;

import static dev.longtune.eval.review.ReviewCriterion.ACCEPT;
import static dev.longtune.eval.review.ReviewCriterion.NOVELTY;
import static dev.longtune.eval.review.ReviewCriterion.REJECT;
import static dev.longtune.eval.review.ReviewCriterion.SUGGESTIONS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.longtune.conformance.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Reviews worked by hand: which criteria each covers, and why (the evidence). */
class ReviewStructureTest {

    private static Set<ReviewCriterion> covered(String text) {
        return covered(text, 20);
    }

    private static Set<ReviewCriterion> covered(String text, int minChars) {
        Set<ReviewCriterion> s = EnumSet.noneOf(ReviewCriterion.class);
        s.addAll(ReviewStructure.analyse(text, minChars).evidence().keySet());
        return s;
    }

    @Test
    void aReviewWithTheFourHeadingsScoresFourOfFour() {
        String review = """
                Importance and novelty:
                The paper studies document embeddings trained with corruption; the problem matters for retrieval.

                Potential reasons for acceptance:
                - The method is simple and trains in minutes on one machine.

                Potential reasons for rejection:
                - Only two datasets are used and both are sentiment tasks.

                Suggestions for improvement:
                - Add a topic-classification benchmark and report variance over seeds.
                """;
        ReviewStructure.Coverage c = ReviewStructure.analyse(review, 20);
        assertEquals(EnumSet.allOf(ReviewCriterion.class), c.evidence().keySet());
        assertEquals(1.0, c.score());
        // Every criterion was found by its heading, not by chance words in the text.
        c.evidence().values().forEach(e -> assertTrue(e.startsWith("heading"), e));
        assertEquals("heading \"Potential reasons for rejection:\"", c.evidence().get(REJECT));
    }

    @Test
    void headingsInMarkdownNumberedAndInlineFormsCount() {
        String review = """
                ## Novelty
                The recurrence-free cell is a genuinely different take on gated RNNs.
                **Strengths:** clear proofs and a small, readable experimental section.
                3. Weaknesses - language-model perplexities are a few points behind the LSTM baseline.
                (d) Suggestions: run the copy task with sequences longer than the training ones.
                """;
        ReviewStructure.Coverage c = ReviewStructure.analyse(review, 20);
        assertEquals(4, c.count(), c.evidence().toString());
        c.evidence().values().forEach(e -> assertTrue(e.startsWith("heading"), e));
    }

    @Test
    void anEmptyTemplateCoversNothingUnlessMinCharsIsZero() {
        String template = "Strengths:\n\nWeaknesses:\n- \nNovelty:\nSuggestions:\n";
        assertEquals(Set.of(), covered(template));
        assertEquals(EnumSet.of(NOVELTY, ACCEPT, REJECT, SUGGESTIONS), covered(template, 0));
        // 19 non-blank characters under a heading are one short of the default 20; 20 are enough.
        assertEquals(Set.of(), covered("Strengths:\nabcdefghij klmnopqrs\n"));
        assertEquals(EnumSet.of(ACCEPT), covered("Strengths:\nabcdefghij klmnopqrst\n"));
    }

    @Test
    void cuePhrasesInProseAreFoundWithoutHeadings() {
        // A prose review in the PeerRead style; criteria marked by hand:
        //   novelty: "incremental"; accept: "well written"; reject: "not convinced"; suggestions: "authors should".
        String review = "The idea is rather incremental over prior work. The paper is well written, but I am not "
                + "convinced by the ablation. The authors should report results on a second dataset.";
        ReviewStructure.Coverage c = ReviewStructure.analyse(review, 20);
        assertEquals("cue \"incremental\"", c.evidence().get(NOVELTY));
        assertEquals("cue \"well written\"", c.evidence().get(ACCEPT));
        assertEquals("cue \"not convinced\"", c.evidence().get(REJECT));
        assertEquals("cue \"authors should\"", c.evidence().get(SUGGESTIONS));
        assertEquals(1.0, c.score());
    }

    @Test
    void aReviewThatOnlyPraisesCoversOneCriterion() {
        assertEquals(EnumSet.of(ACCEPT), covered("I liked reading this. Good results on all three benchmarks."));
        assertEquals(0.25, ReviewStructure.analyse("I liked reading this.", 20).score());
    }

    @Test
    void wordsThatAreCommonOutsideReviewsAreNotCues() {
        // Abstract-style claims: "novel" is a novelty cue (a paper's own claim; see the class comment), but
        // "significantly improves", "could run", "original" as the baseline, "should" after a name are not cues.
        assertEquals(Set.of(), covered("Our method significantly improves accuracy. It could run on phones."));
        assertEquals(Set.of(), covered("Compare the original results with the compressed ones."));
        assertEquals(Set.of(), covered("Tom said Lily should go home. She could not find her red ball."));
        assertEquals(EnumSet.of(NOVELTY), covered("We propose a novel method."));
    }

    @Test
    void childrensStoriesScoreZero() throws IOException {
        ObjectMapper json = new ObjectMapper();
        int stories = 0;
        for (String file : List.of("quickstart-train.jsonl", "quickstart-eval.jsonl")) {
            for (String line : Files.readAllLines(Fixtures.projectRoot().resolve("examples/data").resolve(file))) {
                String story = json.readTree(line).get("output").asText();
                assertEquals(Set.of(), covered(story), story);
                stories++;
            }
        }
        assertEquals(260, stories);
    }

    @Test
    void hostileAndEdgeTextIsHandled() {
        assertEquals(0, ReviewStructure.analyse(null, 20).count());
        assertEquals(0, ReviewStructure.analyse("", 20).count());
        assertEquals(0, ReviewStructure.analyse(" \n\r\n\t ", 20).count());
        assertEquals(0, ReviewStructure.analyse("::::\n----\n####\n1.\n**\n", 20).count());
        // Windows line ends and upper case still find headings.
        assertEquals(EnumSet.of(REJECT, ACCEPT), covered("STRENGTHS:\r\nfast training on a single GPU\r\nCONS:\r\n"
                + "only one dataset was evaluated here\r\n"));
        // Cues must start on a word boundary: "unoriginality", "connovel", "reconsider" are not cues.
        assertEquals(Set.of(), covered("connovelties prostrengths; xweak; unconcerned"));
        // A degenerate generation (a long repetition of one cue) covers that one criterion, quickly.
        String repeated = "novel ".repeat(200_000) + "a".repeat(100_000);
        assertEquals(EnumSet.of(NOVELTY), assertTimeoutPreemptively(Duration.ofSeconds(5), () -> covered(repeated)));
        // A heading word inside a sentence is not a heading (and "weaknesses" as a word is a reject cue).
        assertEquals(EnumSet.of(REJECT), covered("I list no weaknesses here"));
    }

    @Test
    void headingWordsAreNotCountedAgainAsCues() {
        // "Pros:" with 4 characters under it is not a section; its word is not a cue either.
        assertEquals(Set.of(), covered("Pros:\nnone\n"));
        // The same text as prose is a cue.
        assertEquals(EnumSet.of(ACCEPT), covered("The pros are few."));
    }

    @Test
    void theSectionEndsAtTheNextCriterionHeading() {
        // 30 characters under Strengths, 3 under Weaknesses: only Strengths is a section.
        String review = "Strengths:\n" + "x".repeat(30) + "\nWeaknesses:\nabc\n";
        assertEquals(EnumSet.of(ACCEPT), covered(review));
    }

    @Test
    void scoreIsCoveredOverFour() {
        assertEquals(0.5, ReviewStructure.analyse("The contribution is small. I would like to see more tasks.", 20)
                .score());
        // "not novel" judges novelty and is a reason to reject: both count.
        assertEquals(EnumSet.of(NOVELTY, REJECT, SUGGESTIONS), covered("It is not novel. I would like to see more."));
        assertEquals(0.75, ReviewStructure.analyse("It is not novel. I would like to see more.", 20).score());
    }

}
