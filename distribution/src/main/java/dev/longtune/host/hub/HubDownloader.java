package dev.longtune.host.hub;

import dev.longtune.api.LongtuneException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Brings a hub model into the local cache and returns its snapshot folder — the folder the model loader reads, as if
 * the user had given a local path. Only what Longtune reads is fetched: config, tokenizer and generation files, and
 * (for a run) the top-level {@code .safetensors} shards with their index; {@code .bin}/{@code .pth} duplicates and
 * {@code original/} folders are skipped, which halves a Llama 3 download. Files already in the cache are not fetched
 * again; an interrupted download resumes; LFS files are checked against their sha256 before they enter the cache.
 */
public final class HubDownloader {

    /** What is needed: the metadata alone (to validate a config) or everything to load the model. */
    public enum Scope { METADATA, FULL }

    static final Set<String> METADATA_FILES = Set.of("config.json", "generation_config.json", "tokenizer.json",
            "tokenizer_config.json", "special_tokens_map.json", "chat_template.jinja", "chat_template.json",
            "model.safetensors.index.json");

    private final HubSettings settings;
    private final PrintStream log;

    public HubDownloader(HubSettings settings, PrintStream log) {
        this.settings = settings;
        this.log = log;
    }

    public Path snapshot(HubModelId id, Scope scope) {
        HubCache cache = new HubCache(settings.cacheDir(), id);
        try {
            if (settings.offline()) {
                return fromCache(id, cache, scope, "HF_HUB_OFFLINE is set");
            }
            HubClient.RepoInfo info;
            try {
                info = new HubClient(settings).info(id);
            } catch (LongtuneException e) {
                throw e;
            } catch (IOException e) {
                // No network (this machine, a cluster node): the cache is still good, as huggingface_hub does.
                log.printf(Locale.ROOT, "Hub %s unreachable (%s); looking in the cache %s%n", settings.endpoint(),
                        e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()),
                        settings.cacheDir());
                return fromCache(id, cache, scope, settings.endpoint() + " could not be reached");
            }
            return fetch(id, cache, info, scope);
        } catch (IOException e) {
            throw new LongtuneException("downloading " + id + " into " + settings.cacheDir() + " failed: " + e
                    .getMessage() + ". Run the command again to resume; check disk space and the network.", e);
        }
    }

    private Path fetch(HubModelId id, HubCache cache, HubClient.RepoInfo info, Scope scope) throws IOException {
        List<String> files = select(id, info.files(), scope);
        HubClient client = new HubClient(settings);
        for (String file : files) {
            if (cache.has(info.commit(), file)) {
                continue;
            }
            HubClient.FileMeta meta = client.head(id, info.commit(), file);
            if (!Files.isRegularFile(cache.blob(meta.etag()))) {
                Files.createDirectories(cache.blob(meta.etag()).getParent());
                Path part = cache.incomplete(meta.etag());
                long t0 = System.nanoTime();
                Progress p = new Progress(id + " " + file, meta.size());
                client.download(id, info.commit(), file, part, p::update);
                if (meta.size() >= 0 && Files.size(part) != meta.size()) {
                    throw new IOException(file + ": got " + Files.size(part) + " bytes, the hub announced "
                            + meta.size() + " (connection cut?)");
                }
                if (meta.isSha256()) {
                    String actual = sha256(part);
                    if (!actual.equals(meta.etag())) {
                        Files.delete(part);
                        throw new LongtuneException(id + " file " + file + ": sha256 " + actual + " does not match "
                                + "the hub's " + meta.etag() + "; the corrupt download was deleted — run again");
                    }
                }
                cache.commitBlob(part, meta.etag());
                p.done(System.nanoTime() - t0);
            }
            cache.link(info.commit(), file, meta.etag());
        }
        cache.writeRef(id.revision(), info.commit());
        return cache.snapshot(info.commit());
    }

    private Path fromCache(HubModelId id, HubCache cache, Scope scope, String why) throws IOException {
        Optional<String> commit = cache.commitFor(id);
        if (commit.isEmpty()) {
            throw new LongtuneException("model " + id + " is not a local folder and not in the Hugging Face cache "
                    + settings.cacheDir() + ", and " + why + ". Download it where the hub is reachable "
                    + "(`longtune` or `huggingface-cli download " + id.repo() + "`) and copy the cache folder "
                    + id.cacheFolderName() + ", or set model.path to a local folder.");
        }
        Path snap = cache.snapshot(commit.get());
        List<String> present;
        try (var s = Files.walk(snap)) {
            present = s.filter(Files::isRegularFile).map(p -> snap.relativize(p).toString().replace('\\', '/'))
                    .toList();
        }
        select(id, present, scope); // the same completeness rules as online
        return snap;
    }

    /** The files to fetch; fails when the repo lacks what Longtune needs. */
    static List<String> select(HubModelId id, List<String> files, Scope scope) {
        if (!files.contains("config.json")) {
            throw new LongtuneException(id + " has no config.json: not a Transformers model repo (files: "
                    + preview(files) + ")");
        }
        List<String> out = new ArrayList<>();
        for (String f : files) {
            boolean topLevel = !f.contains("/");
            if (topLevel && (METADATA_FILES.contains(f) || (scope == Scope.FULL && f.endsWith(".safetensors")))) {
                out.add(f);
            }
        }
        if (scope == Scope.FULL && out.stream().noneMatch(f -> f.endsWith(".safetensors"))) {
            throw new LongtuneException(id + " has no .safetensors weights at its top level (files: " + preview(files)
                    + "). Longtune reads safetensors only: pick a revision that has them, or convert the "
                    + "checkpoint (transformers: model.save_pretrained(dir, safe_serialization=True)).");
        }
        return out;
    }

    private static String preview(List<String> files) {
        return files.size() <= 8 ? String.join(", ", files)
                : String.join(", ", files.subList(0, 8)) + ", … " + files.size() + " in all";
    }

    private static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 20];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /** One line when a file starts, a percentage at most every 5 s for big files, a rate when it ends. */
    private final class Progress {
        private final String what;
        private final long size;
        private long lastPrint = System.nanoTime();
        private long bytes;

        Progress(String what, long size) {
            this.what = what;
            this.size = size;
            log.printf(Locale.ROOT, "Downloading %s (%s)%n", what, size < 0 ? "size unknown" : mb(size));
        }

        void update(long done) {
            bytes = done;
            long now = System.nanoTime();
            if (now - lastPrint > 5_000_000_000L && size > 0) {
                lastPrint = now;
                log.printf(Locale.ROOT, "  %s: %.0f%% of %s%n", what, 100.0 * done / size, mb(size));
            }
        }

        void done(long nanos) {
            log.printf(Locale.ROOT, "  %s: %s in %.1f s (%.1f MB/s)%n", what, mb(bytes), nanos / 1e9,
                    bytes / 1e6 / Math.max(nanos / 1e9, 1e-3));
        }

        private static String mb(long b) {
            return String.format(Locale.ROOT, "%.1f MB", b / 1e6);
        }
    }
}
