package dev.longtune.training.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** state.json with and without the fp16 loss-scaler fields (float32 runs and older checkpoints have none). */
class CheckpointStateJsonTest {

    @Test
    void lossScalerStateRoundTripsAndIsAbsentForFloat32() throws Exception {
        CheckpointState fp16 = new CheckpointState(Checkpoints.FORMAT, 8, 24, 7, 0, 8, 10, 42L, "s", 100, 1.5, 0.0,
                0, 0.7, List.of(1.0, 0.9), null, "h", Map.of("seed", "42"), "2026-11-23T00:00:00Z", 32768.0, 2, 1L);
        String json = Checkpoints.JSON.writeValueAsString(fp16);
        CheckpointState back = Checkpoints.JSON.readValue(json, CheckpointState.class);
        assertEquals(fp16, back);
        assertEquals(32768.0, back.lossScale());
        assertEquals(2, back.lossScaleGrowthTracker());
        assertEquals(1L, back.lossScaleSkipped());

        CheckpointState fp32 = new CheckpointState(Checkpoints.FORMAT, 8, 24, 8, 0, 8, 10, 42L, "s", 100, 1.5, 0.0,
                0, 0.7, List.of(1.0), null, "h", Map.of(), "2026-11-23T00:00:00Z");
        String old = Checkpoints.JSON.writeValueAsString(fp32).replaceAll(",\\s*\"loss_scale[a-z_]*\"\\s*:\\s*null", "");
        assertEquals(-1, old.indexOf("loss_scale"), "the setting: a state.json from before these fields");
        CheckpointState read = Checkpoints.JSON.readValue(old, CheckpointState.class);
        assertNull(read.lossScale());
        assertEquals(fp32, read);
    }
}
