package dev.longtune.eval.review;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.longtune.api.LongtuneException;
import dev.longtune.api.config.OptionsBinder;
import dev.longtune.api.config.PluginSpec;
import org.junit.jupiter.api.Test;

class ReviewStructureOptionsTest {

    private static ReviewStructureOptions bind(String yaml) throws Exception {
        ObjectNode options = PluginSpec.fromNode((ObjectNode) new YAMLMapper().readTree(yaml)).options();
        return OptionsBinder.bind(options, ReviewStructureOptions.class, "evaluator 'review_structure'",
                "evaluation[0]", OptionsBinder.NO_LINES);
    }

    @Test
    void everyKeyHasADefault() throws Exception {
        assertEquals(new ReviewStructureOptions(0, 20), bind("type: review_structure\n"));
        assertEquals(ReviewStructureOptions.defaults(), bind("type: review_structure\n"));
    }

    @Test
    void bindsTheKeys() throws Exception {
        assertEquals(new ReviewStructureOptions(5, 0), bind("type: review_structure\nmax_records: 5\nmin_chars: 0\n"));
    }

    @Test
    void rejectsBadValuesNamingTheKey() {
        assertTrue(assertThrows(LongtuneException.class, () -> bind("max_records: -1\n")).getMessage()
                .contains("max_records"));
        assertTrue(assertThrows(LongtuneException.class, () -> bind("min_chars: -3\n")).getMessage()
                .contains("min_chars"));
        assertTrue(assertThrows(LongtuneException.class, () -> bind("max_record: 3\n")).getMessage()
                .contains("did you mean 'max_records'"));
    }
}
