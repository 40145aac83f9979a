package dev.longtune.models.llama;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.longtune.models.oracle.HfTestCheckpoint;
import dev.longtune.models.reference.FamilyChecks;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A random Llama 3-shaped checkpoint (vocab 128256) with the real Llama 3 tokenizer and its chat template. */
class Llama3TokenizerTest {

    @Test
    void realLlama3TokenizerAndChatTemplate(@TempDir Path tmp) throws Exception {
        try (NDManager root = NDManager.newBaseManager(Device.cpu())) {
            HfTestCheckpoint ck = HfTestCheckpoint.llama(16, 32, 1, 2, 1, 128256, 8192, true, 701L);
            ck.config().put("bos_token_id", 128000);
            ck.config().put("eos_token_id", 128001);
            String chat = FamilyChecks.withSharedTokenizer(new LlamaArchitecture(), ck, "llama3", tmp.resolve("l3"),
                    root);
            assertTrue(chat.contains("<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"), chat);
        }
    }
}
