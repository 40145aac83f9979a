package dev.longtune.host.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.longtune.api.LongtuneException;
import dev.longtune.api.config.ExperimentConfig;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConfigLoaderTest {

    private static final Path FILE = Path.of("/tmp/exp.yaml");

    private static final String YAML = """
            name: demo
            model:
              path: models/stories260K
            training:
              learning_rate: 1e-3
              batch_size: 4
            evaluation:
              - type: perplexity
                stride: 64
            """;

    private static LongtuneException error(String yaml, List<String> sets) {
        return assertThrows(LongtuneException.class, () -> ConfigLoader.fromText(yaml, FILE, sets));
    }

    @Test
    void bindsTypedSectionsWithDefaultsAndYamlNumberForms() {
        ExperimentConfig c = ConfigLoader.fromText(YAML, FILE, List.of()).config();
        assertEquals("demo", c.name());
        assertEquals(1e-3, c.training().learningRate(), 0.0, "1e-3 is a string in YAML 1.1 yet binds as a number");
        assertEquals(4, c.training().batchSize());
        assertEquals(1, c.training().gradientAccumulationSteps(), "defaults fill what the file leaves out");
        assertEquals("perplexity", c.evaluation().get(0).type());
        assertEquals(64, c.evaluation().get(0).options().get("stride").asInt());
        assertEquals("runs/demo", c.output());
    }

    @Test
    void unknownTopLevelKeyNamesLineAndSuggests() {
        LongtuneException e = error("name: x\ntrainng:\n  batch_size: 2\n", List.of());
        assertTrue(e.getMessage().contains("unknown key 'trainng'"), e.getMessage());
        assertTrue(e.getMessage().contains("(line 2)"), e.getMessage());
        assertTrue(e.getMessage().contains("did you mean 'training'?"), e.getMessage());
        assertTrue(e.getMessage().startsWith("exp.yaml: "), e.getMessage());
    }

    @Test
    void unknownNestedKeyNamesItsPathAndLine() {
        LongtuneException e = error(YAML.replace("batch_size", "batch_sise"), List.of());
        assertTrue(e.getMessage().contains("training.batch_sise (line 6)"), e.getMessage());
        assertTrue(e.getMessage().contains("did you mean 'batch_size'?"), e.getMessage());
        assertTrue(e.getMessage().contains("valid keys:"), e.getMessage());
    }

    @Test
    void wrongTypeNamesPathAndExpectedKind() {
        LongtuneException e = error(YAML.replace("batch_size: 4", "batch_size: four"), List.of());
        assertTrue(e.getMessage().contains("training.batch_size (line 6)"), e.getMessage());
        assertTrue(e.getMessage().contains("whole number"), e.getMessage());
    }

    @Test
    void setOverridesAnyKeyIncludingListElements() {
        ExperimentConfig c = ConfigLoader.fromText(YAML, FILE, List.of("training.learning_rate=5e-4",
                "evaluation[0].stride=32", "seed=7", "data.train=train.jsonl", "generation.prompts=[a, b]")).config();
        assertEquals(5e-4, c.training().learningRate(), 0.0);
        assertEquals(32, c.evaluation().get(0).options().get("stride").asInt());
        assertEquals(7L, c.seed());
        assertEquals("train.jsonl", c.data().train());
        assertEquals(List.of("a", "b"), c.generation().prompts());
    }

    @Test
    void badSetIsReported() {
        assertTrue(error(YAML, List.of("training.learning_rate")).getMessage().contains("expected path.to.key=value"));
        assertTrue(error(YAML, List.of("name.sub=1")).getMessage().contains("not a mapping"));
        LongtuneException e = error(YAML, List.of("training.learnig_rate=1"));
        assertTrue(e.getMessage().contains("did you mean 'learning_rate'"), e.getMessage());
    }

    @Test
    void invalidYamlNamesTheLine() {
        LongtuneException e = error("name: x\nmodel: [unclosed\n", List.of());
        assertTrue(e.getMessage().contains("not valid YAML"), e.getMessage());
    }

    @Test
    void duplicateKeysAreAnError() {
        assertTrue(error("name: a\nname: b\n", List.of()).getMessage().contains("appears twice"));
    }
}
