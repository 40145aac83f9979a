package dev.longtune.host.hub;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.longtune.api.Generation;
import dev.longtune.api.GenerationOptions;
import dev.longtune.api.LanguageModel;
import dev.longtune.api.LongtuneException;
import dev.longtune.host.config.ConfigLoader;
import dev.longtune.host.config.ExperimentValidator;
import dev.longtune.host.config.ResolvedExperiment;
import dev.longtune.host.plugins.PluginHost;
import dev.longtune.host.run.ModelLoading;
import dev.longtune.testing.ProjectPaths;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Downloads from a Hugging Face Hub stand-in on loopback ({@link FakeHub}: real HTTP, the hub's own headers and
 * redirects) into huggingface_hub's cache layout, then loads the snapshot like any local folder.
 */
class HubDownloadTest {

    private static final String REPO = "karpathy/stories260K";
    private static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private FakeHub hub;
    private Map<String, byte[]> files;
    private final ByteArrayOutputStream log = new ByteArrayOutputStream();

    @BeforeEach
    void startHub() throws IOException {
        hub = new FakeHub();
        Path stories = ProjectPaths.examples().resolve("models/stories260K");
        files = new LinkedHashMap<>();
        for (String f : List.of("config.json", "tokenizer.json", "tokenizer_config.json", "model.safetensors")) {
            files.put(f, Files.readAllBytes(stories.resolve(f)));
        }
        // What real repos also carry and Longtune must not fetch: PyTorch pickles and Meta's original weights.
        files.put("pytorch_model.bin", "not fetched".getBytes(StandardCharsets.UTF_8));
        files.put("original/consolidated.00.pth", "not fetched".getBytes(StandardCharsets.UTF_8));
        hub.addRepo(REPO, COMMIT, files, Set.of("model.safetensors", "pytorch_model.bin",
                "original/consolidated.00.pth"));
    }

    @AfterEach
    void stopHub() {
        hub.close();
    }

    private HubSettings settings(Optional<String> token, boolean offline) {
        return new HubSettings(hub.endpoint(), dir.resolve("cache"), token, offline);
    }

    private Path download(HubSettings s, HubDownloader.Scope scope) {
        return new HubDownloader(s, new PrintStream(log, true, StandardCharsets.UTF_8))
                .snapshot(HubModelId.parse(REPO).orElseThrow(), scope);
    }

    @Test
    void downloadsIntoTheHuggingFaceCacheLayoutAndTheSnapshotLoadsAndGeneratesLikeTheLocalFolder() throws Exception {
        Path snap = download(settings(Optional.empty(), false), HubDownloader.Scope.FULL);

        Path repoDir = dir.resolve("cache/models--karpathy--stories260K");
        assertEquals(repoDir.resolve("snapshots/" + COMMIT), snap);
        assertEquals(COMMIT, Files.readString(repoDir.resolve("refs/main")));
        for (String f : List.of("config.json", "tokenizer.json", "tokenizer_config.json", "model.safetensors")) {
            assertArrayEquals(files.get(f), Files.readAllBytes(snap.resolve(f)), f);
            assertTrue(Files.isSymbolicLink(snap.resolve(f)), f + " links into blobs/ as huggingface_hub does");
        }
        assertTrue(Files.isRegularFile(repoDir.resolve("blobs/" + FakeHub.sha256(files.get("model.safetensors")))),
                "LFS blobs are named by their sha256");
        assertFalse(Files.exists(snap.resolve("pytorch_model.bin")));
        assertTrue(hub.requests().stream().noneMatch(r -> r.path().endsWith(".bin") || r.path().contains("original")),
                "duplicates Longtune does not read are not fetched: " + hub.requests());

        // The snapshot is an ordinary model folder: the config validates and greedy decoding from BOS reproduces
        // llama2.c's reference ids, exactly as from examples/models/stories260K.
        var loc = new ModelLocator(settings(Optional.empty(), false), HubDownloader.Scope.FULL, System.err);
        ResolvedExperiment exp = new ExperimentValidator(PluginHost.start(null, false), loc).resolve(
                ConfigLoader.fromText("name: hub\nmodel:\n  path: " + REPO + "\n", dir.resolve("x.yaml"), List.of()));
        assertEquals(snap, exp.modelDir());
        int[] expected = JSON.readValue(ProjectPaths.examples().resolve("models/stories260K/greedy_ids_from_bos_256.json")
                .toFile(), int[].class);
        try (NDManager root = NDManager.newBaseManager(Device.cpu());
                LanguageModel lm = ModelLoading.load(exp, DataType.FLOAT32, Device.cpu(), root)) {
            Generation g = lm.generate(new int[] {expected[0]}, new GenerationOptions(40, 0f, 0, 1f, 0, false),
                    LanguageModel.TokenListener.NONE);
            assertArrayEquals(Arrays.copyOfRange(expected, 1, 41), g.tokenIds());
        }
    }

    @Test
    void aSecondResolveFetchesNoFileAndOfflineModeNeedsNoHubAtAll() {
        Path first = download(settings(Optional.empty(), false), HubDownloader.Scope.FULL);
        int before = hub.requests().size();
        assertEquals(first, download(settings(Optional.empty(), false), HubDownloader.Scope.FULL));
        List<FakeHub.Request> again = hub.requests().subList(before, hub.requests().size());
        assertEquals(1, again.size(), "only the revision lookup: " + again);
        assertTrue(again.get(0).path().startsWith("/api/models/"));

        hub.close();
        assertEquals(first, download(settings(Optional.empty(), true), HubDownloader.Scope.FULL), "HF_HUB_OFFLINE");
        // Online but unreachable: the cache still serves, as in huggingface_hub.
        assertEquals(first, download(settings(Optional.empty(), false), HubDownloader.Scope.FULL));
        assertTrue(log.toString(StandardCharsets.UTF_8).contains("unreachable"), log.toString(StandardCharsets.UTF_8));
    }

    @Test
    void theTokenGoesToTheHubButNotToTheStorageHostItRedirectsTo() {
        download(settings(Optional.of("hf_secret"), false), HubDownloader.Scope.FULL);
        List<FakeHub.Request> rs = hub.requests();
        assertTrue(rs.stream().filter(r -> r.host().equals("127.0.0.1"))
                .allMatch(r -> "Bearer hf_secret".equals(r.authorization())), rs.toString());
        List<FakeHub.Request> storage = rs.stream().filter(r -> r.path().startsWith("/cdn/")).toList();
        assertEquals(1, storage.size(), rs.toString());
        assertEquals("localhost", storage.get(0).host());
        assertNull(storage.get(0).authorization(), "signed storage URLs must not get the hub token");
    }

    @Test
    void anInterruptedDownloadResumesWithARangeRequestAndIsCheckedAgainstItsSha256() throws IOException {
        hub.cutNextBlobAfter.set(100_000);
        LongtuneException e = assertThrows(LongtuneException.class,
                () -> download(settings(Optional.empty(), false), HubDownloader.Scope.FULL));
        assertTrue(e.getMessage().contains("Run the command again to resume"), e.getMessage());
        String sha = FakeHub.sha256(files.get("model.safetensors"));
        Path part = dir.resolve("cache/models--karpathy--stories260K/blobs/" + sha + ".incomplete");
        assertEquals(100_000, Files.size(part));

        Path snap = download(settings(Optional.empty(), false), HubDownloader.Scope.FULL);
        FakeHub.Request last = hub.requests().stream().filter(r -> r.path().startsWith("/cdn/")).reduce((a, b) -> b)
                .orElseThrow();
        assertEquals("bytes=100000-", last.range());
        assertArrayEquals(files.get("model.safetensors"), Files.readAllBytes(snap.resolve("model.safetensors")));
        assertFalse(Files.exists(part));
    }

    @Test
    void bytesThatDoNotMatchTheHubsSha256NeverEnterTheCache() {
        String sha = FakeHub.sha256(files.get("model.safetensors"));
        byte[] bad = files.get("model.safetensors").clone();
        bad[5000] ^= 1;
        hub.corrupt.put(sha, bad);
        LongtuneException e = assertThrows(LongtuneException.class,
                () -> download(settings(Optional.empty(), false), HubDownloader.Scope.FULL));
        assertTrue(e.getMessage().contains("model.safetensors") && e.getMessage().contains("sha256"), e.getMessage());
        Path repoDir = dir.resolve("cache/models--karpathy--stories260K");
        assertFalse(Files.exists(repoDir.resolve("blobs/" + sha)));
        assertFalse(Files.exists(repoDir.resolve("blobs/" + sha + ".incomplete")));
        assertFalse(Files.exists(repoDir.resolve("snapshots/" + COMMIT + "/model.safetensors")));
    }

    @Test
    void validationFetchesMetadataOnly() {
        Path snap = download(settings(Optional.empty(), false), HubDownloader.Scope.METADATA);
        assertTrue(Files.isRegularFile(snap.resolve("config.json")));
        assertFalse(Files.exists(snap.resolve("model.safetensors")));
        assertTrue(hub.requests().stream().noneMatch(r -> r.path().startsWith("/cdn/")), hub.requests().toString());
    }

    @Test
    void hubRefusalsAndAbsencesAreExplained() throws IOException {
        hub.failWith = 401;
        String gated = assertThrows(LongtuneException.class,
                () -> download(settings(Optional.empty(), false), HubDownloader.Scope.FULL)).getMessage();
        assertTrue(gated.contains("Gated or private") && gated.contains("HF_TOKEN") && gated.contains("no token was sent"),
                gated);
        hub.failWith = 0;

        String missing = assertThrows(LongtuneException.class, () -> new HubDownloader(settings(Optional.empty(), false),
                System.err).snapshot(HubModelId.parse("nobody/nothing").orElseThrow(), HubDownloader.Scope.FULL))
                .getMessage();
        assertTrue(missing.contains("not found") && missing.contains("nobody/nothing"), missing);

        hub.addRepo("org/pickles", COMMIT, Map.of("config.json", files.get("config.json"), "pytorch_model.bin",
                new byte[] {1}), Set.of("pytorch_model.bin"));
        String pickles = assertThrows(LongtuneException.class, () -> new HubDownloader(settings(Optional.empty(), false),
                System.err).snapshot(HubModelId.parse("org/pickles").orElseThrow(), HubDownloader.Scope.FULL))
                .getMessage();
        assertTrue(pickles.contains("no .safetensors weights"), pickles);

        hub.close();
        var loc = new ModelLocator(settings(Optional.empty(), false), HubDownloader.Scope.FULL, System.err);
        String offline = assertThrows(LongtuneException.class, () -> loc.locate("org/typo", dir, "x.yaml:3 model.path"))
                .getMessage();
        assertTrue(offline.startsWith("x.yaml:3 model.path: no local folder " + dir.resolve("org/typo")), offline);
        assertTrue(offline.contains("not in the Hugging Face cache") && offline.contains("huggingface-cli download"),
                offline);
    }

    @Test
    void localFoldersWinOverHubIdsAndOnlyValidIdsGoToTheHub() throws IOException {
        Files.createDirectories(dir.resolve("org/local"));
        var loc = new ModelLocator(settings(Optional.empty(), true), HubDownloader.Scope.FULL, System.err);
        assertEquals(dir.resolve("org/local"), loc.locate("org/local", dir, "m"));
        assertEquals(dir.resolve("a/b/c"), loc.locate("a/b/c", dir, "m"), "not an id: left to the folder check");
        assertEquals(Optional.of(new HubModelId("meta-llama/Meta-Llama-3-8B", "main")),
                HubModelId.parse("hf://meta-llama/Meta-Llama-3-8B"));
        assertEquals("v1.0", HubModelId.parse("org/name@v1.0").orElseThrow().revision());
        assertTrue(HubModelId.parse("org--x/name").isEmpty());
        assertTrue(HubModelId.parse("/abs/path").isEmpty());
        assertThrows(LongtuneException.class, () -> loc.locate("hf://not an id", dir, "m"));
    }

    @Test
    void settingsFollowHuggingfaceHubsEnvironmentVariables() throws IOException {
        Path home = dir.resolve("home");
        HubSettings d = HubSettings.from(Map.of(), home);
        assertEquals("https://huggingface.co", d.endpoint());
        assertEquals(home.resolve(".cache/huggingface/hub"), d.cacheDir());
        assertFalse(d.offline());
        Files.createDirectories(dir.resolve("hfhome"));
        Files.writeString(dir.resolve("hfhome/token"), "hf_fromfile\n");
        HubSettings e = HubSettings.from(Map.of("HF_HOME", dir.resolve("hfhome").toString(), "HF_ENDPOINT",
                "https://mirror.example/", "HF_HUB_OFFLINE", "1"), home);
        assertEquals("https://mirror.example", e.endpoint());
        assertEquals(dir.resolve("hfhome/hub"), e.cacheDir());
        assertEquals(Optional.of("hf_fromfile"), e.token());
        assertTrue(e.offline());
        assertEquals(Optional.of("hf_env"), HubSettings.from(Map.of("HF_HOME", dir.resolve("hfhome").toString(),
                "HF_TOKEN", "hf_env"), home).token());
        assertEquals(Path.of("/c"), HubSettings.from(Map.of("HF_HUB_CACHE", "/c"), home).cacheDir());
        assertNotNull(HubSettings.fromEnvironment());
    }
}
