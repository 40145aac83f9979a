package dev.longtune.eval.review;

import java.util.regex.Pattern;

/**
 * The four criteria a paper reviewer is asked to cover (the PeerRead reviewer prompt: "importance and novelty,
 * potential reasons for acceptance, potential reasons for rejection, and suggestions for improvement"), each with its
 * lexicon: the section headings that announce it and the cue phrases that show it is discussed in running text.
 * Matching is case-insensitive and on word boundaries.
 *
 * <p>The lexicon was tuned on the 24 official ICLR 2017 reviews of the PeerRead sample (each criterion is found in
 * 54–71% of them) against two kinds of text that must not look like reviews: children's stories (the quickstart
 * set: no criterion in any of 260) and papers' own abstracts (at most 2 criteria each). Single words that are common
 * outside reviews were deliberately left out or narrowed to phrases: "should" only after a subject such as "the
 * authors" or "it"; "could"/"might" only after "the authors", "the paper" and the like (in the sample, "it could"
 * and "this might" introduce speculation, not suggestions); "improve" only as "could be improved" or "improve the
 * presentation" (abstracts say "improves accuracy"); "original" only as "not original" or "original idea" (a
 * review's "original results" means the baseline); "significant" only as "significance" (results are
 * "significantly better").
 *
 * <p>What this measures is coverage, not quality: a text that names a weakness covers "reasons to reject" whether
 * or not the weakness is real. Pair it with the {@code judge} evaluator for quality.
 */
public enum ReviewCriterion {

    /** Importance and novelty: is the problem important, is the idea new. */
    NOVELTY("novelty",
            "importance|significance|novelty|originality|contributions?|(?:importance|significance) and "
                    + "(?:novelty|originality)|(?:novelty|originality) and (?:importance|significance)"
                    + "|summary (?:and|of) contributions?",
            "novel|novelty|originality|(?:not|very|quite|fairly|highly|truly|particularly|is|are) original\\b"
                    + "|original (?:idea|contribution|work|approach|method)|significance"
                    + "|important (?:and [\\w-]+ )?(?:contribution|problem|question|topic|step|direction|area)"
                    + "|high[- ]impact|under-?explored|addition to the literature|contributions?"
                    + "|(?:is|are|not|nothing) (?:really |particularly |very |entirely |that |truly )?new\\b"
                    + "|new (?:idea|approach|method|model|framework|perspective)|incremental"
                    + "|first (?:to|work|paper|attempt)"),

    /** Potential reasons for acceptance: strengths. */
    ACCEPT("accept",
            "(?:potential )?reasons? (?:to|for) accept(?:ance|ing)?|strengths?|pros|merits|positives?"
                    + "|positive (?:aspects|points)|advantages",
            "strengths?|pros\\b|merits?|reasons? (?:to|for) accept|accept(?:ed|ance|ing)?\\b"
                    + "|well[- ](?:written|motivated|organi[sz]ed|executed|presented)"
                    + "|clearly (?:written|presented|motivated)"
                    + "|(?:i|we) (?:really )?(?:like|liked|enjoyed|appreciate|appreciated)\\b"
                    + "|interesting (?:idea|approach|paper|work|direction|problem|contribution|results?|analysis"
                    + "|method)|(?:strong|good|impressive|convincing|solid|promising|encouraging) (?:results|empirical"
                    + "|experiments|experimental|performance|improvements?|evaluation)|advantages?\\b|elegant"
                    + "|compelling"),

    /** Potential reasons for rejection: weaknesses, concerns. */
    REJECT("reject",
            "(?:potential )?reasons? (?:to|for) reject(?:ion|ing)?|weaknesses|weak points|cons|concerns"
                    + "|limitations|negatives?|negative (?:aspects|points)|drawbacks|issues|shortcomings",
            "weakness(?:es)?|weak\\b|cons\\b|concerns?\\b|limitations?|drawbacks?|downsides?|shortcomings?"
                    + "|reasons? (?:to|for) reject|reject(?:ed|ion|ing)?\\b|lacks?\\b|lacking|unclear"
                    + "|not (?:very |particularly |entirely |completely |fully |really )?(?:clear|convinc(?:ed|ing)"
                    + "|sure|novel)|unconvincing|fails? to|disappoint(?:ed|ing)?|problematic|questionable"
                    + "|flaw(?:s|ed)?\\b|insufficient"),

    /** Suggestions for improvement. */
    SUGGESTIONS("suggestions",
            "(?:suggestions?|recommendations?)(?: for (?:improvement|the authors))?|(?:ways to|how to) improve"
                    + "|improvements|minor (?:comments|issues|points)|questions(?: (?:to|for) the authors)?"
                    + "|comments (?:to|for) the authors",
            "suggest(?:s|ed|ion|ions)?\\b|recommend(?:ation|ations)?\\b"
                    + "|(?:could|can|should|might|would) be (?:further |greatly |significantly )?improved"
                    + "|(?:room|suggestions?|ways?) for improvement"
                    + "|improve (?:the )?(?:paper|presentation|clarity|writing|manuscript|exposition|readability"
                    + "|evaluation|experiments)|(?:would|'d) like to see"
                    + "|(?:authors|you|they|paper|work|this|it) (?:should|may want to|need to)\\b"
                    + "|(?:authors|you|they|paper|work) (?:could|might)\\b"
                    + "|should (?:also |have |be |include|compare|discuss|clarify|explain|report|provide|consider"
                    + "|add|show)|would be (?:better|nice|good|helpful|interesting|useful|great|worth|valuable)"
                    + "|would (?:help|strengthen|benefit)|(?:i|we) (?:would )?(?:encourage|urge|ask)\\b"
                    + "|it is worth|consider(?:ing)? (?:adding|using|comparing)");

    private static final int FLAGS = Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE;

    private final String key;
    private final String headings;
    private final Pattern cue;

    ReviewCriterion(String key, String headings, String cues) {
        this.key = key;
        this.headings = headings;
        this.cue = Pattern.compile("\\b(?:" + cues + ")", FLAGS);
    }

    /** The short name used in metric and column names ({@code novelty}, {@code accept}, …). */
    public String key() {
        return key;
    }

    /** Alternatives (a regex without anchors) a heading line of this criterion consists of. */
    String headingAlternatives() {
        return headings;
    }

    /** Cue phrases in running text; the match starts on a word boundary. */
    Pattern cue() {
        return cue;
    }
}
