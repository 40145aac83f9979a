package dev.longtune.context.longlora;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.longtune.context.Bind;
import org.junit.jupiter.api.Test;

class LongLoraOptionsTest {

    @Test
    void defaultsAreLongLorasOwn() {
        LongLoraOptions o = Bind.yaml(LongLoraOptions.class, "type: longlora\nfactor: 4\n");
        assertEquals(new LongLoraOptions(4.0, null, 0.25, "flash", "embed,norm"), o);
        assertEquals(false, o.wrap());
    }

    @Test
    void bindsEveryOption() {
        LongLoraOptions o = Bind.yaml(LongLoraOptions.class, "factor: 8\noriginal_max_position_embeddings: 4096\n"
                + "group_size_ratio: 0.125\nvariant: roll\ntrainable_params: embed\n");
        assertEquals(new LongLoraOptions(8.0, 4096, 0.125, "roll", "embed"), o);
        assertTrue(o.wrap());
    }

    /** The linear rope_scaling a LongLoRA export writes binds here too (type / rope_type ignored). */
    @Test
    void bindsTheLinearRopeScalingItExports() {
        assertEquals(new LongLoraOptions(4.0, 2048, null, null, null), Bind.json(LongLoraOptions.class,
                "{\"rope_type\": \"linear\", \"type\": \"linear\", \"factor\": 4.0,"
                        + " \"original_max_position_embeddings\": 2048}"));
    }

    @Test
    void rejectsBadValuesAndUnknownKeys() {
        assertTrue(Bind.yamlError(LongLoraOptions.class, "factor: 4\nvariant: flash2\n")
                .contains("'variant' must be 'flash'"));
        assertTrue(Bind.yamlError(LongLoraOptions.class, "factor: 4\ngroup_size_ratio: 0\n")
                .contains("'group_size_ratio' must be in (0, 1]"));
        assertTrue(Bind.yamlError(LongLoraOptions.class, "group_size_ratio: 0.25\n").contains("'factor' is required"));
        String m = Bind.yamlError(LongLoraOptions.class, "factor: 4\ngroup_size_ration: 0.25\n");
        assertTrue(m.contains("unknown key 'group_size_ration'") && m.contains("did you mean 'group_size_ratio'"), m);
    }
}
