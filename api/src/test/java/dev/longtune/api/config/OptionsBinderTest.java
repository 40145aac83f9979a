package dev.longtune.api.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longtune.api.LongtuneException;
import dev.longtune.api.NoOptions;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OptionsBinderTest {

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonIgnoreProperties({"type"})
    record Scaling(Double factor, Integer maxLength, Inner inner) {
        Scaling {
            if (factor == null) {
                throw new IllegalArgumentException("'factor' is required");
            }
        }
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record Inner(Integer betaFast) {}

    private static ObjectNode node(String json) throws Exception {
        return (ObjectNode) OptionsBinder.MAPPER.readTree(json);
    }

    private static final Map<String, Integer> LINES = Map.of("ctx.facter", 8, "ctx.inner.beta_fsat", 10);

    private static LongtuneException error(String json, Class<?> type) {
        return assertThrows(LongtuneException.class, () -> OptionsBinder.bind(node(json), type, "context 'x'", "ctx",
                p -> LINES.getOrDefault(p, -1)));
    }

    @Test
    void aTypoInARequiredKeyIsReportedAsATypoNotAsAMissingKey() {
        LongtuneException e = error("{\"facter\": 2}", Scaling.class);
        assertEquals("ctx.facter (line 8): unknown key 'facter' for context 'x'; valid keys: factor, inner, "
                + "max_length, type — did you mean 'factor'?", e.getMessage());
    }

    @Test
    void nestedRecordsAreCheckedWithTheirPath() {
        LongtuneException e = error("{\"factor\": 2, \"inner\": {\"beta_fsat\": 3}}", Scaling.class);
        assertTrue(e.getMessage().startsWith("ctx.inner.beta_fsat (line 10): unknown key 'beta_fsat'"), e.getMessage());
        assertTrue(e.getMessage().contains("did you mean 'beta_fast'?"), e.getMessage());
    }

    @Test
    void ignoredKeysPassAndValuesBind() throws Exception {
        Scaling s = OptionsBinder.bind(node("{\"type\": \"x\", \"factor\": 2, \"max_length\": 9}"), Scaling.class,
                "x", "ctx", OptionsBinder.NO_LINES);
        assertEquals(new Scaling(2.0, 9, null), s);
    }

    @Test
    void constructorChecksAndTypeErrorsNameThePath() {
        assertTrue(error("{}", Scaling.class).getMessage().contains("'factor' is required"));
        LongtuneException e = error("{\"factor\": \"big\"}", Scaling.class);
        assertTrue(e.getMessage().contains("ctx.factor") && e.getMessage().contains("a number"), e.getMessage());
    }

    @Test
    void noOptionsTakesNoKeys() {
        assertTrue(error("{\"a\": 1}", NoOptions.class).getMessage().contains("it takes no options"));
    }

    @Test
    void suggestionsNeedToBeClose() {
        assertEquals("yarn", Suggestions.nearest("yarm", java.util.List.of("linear", "yarn", "ntk")).orElseThrow());
        assertTrue(Suggestions.nearest("banana", java.util.List.of("linear", "yarn")).isEmpty());
        assertEquals(1, Suggestions.distance("lienar", "linear"), "a swap is one edit");
    }
}
