package dev.longtune.host.hub;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/**
 * huggingface_hub's cache layout for one model repo, so Python and Longtune share downloads:
 * <pre>
 * models--org--name/
 *   refs/main                      the commit the branch/tag pointed at when last resolved
 *   blobs/&lt;etag&gt;                  file contents, named by ETag (the sha256 for LFS files)
 *   snapshots/&lt;commit&gt;/&lt;file&gt;    relative symlinks into blobs/ — this folder is what the model loader reads
 * </pre>
 */
final class HubCache {

    private final Path repoDir;

    HubCache(Path cacheDir, HubModelId id) {
        this.repoDir = cacheDir.resolve(id.cacheFolderName());
    }

    Path repoDir() {
        return repoDir;
    }

    Path snapshot(String commit) {
        return repoDir.resolve("snapshots").resolve(commit);
    }

    Path blob(String etag) {
        return repoDir.resolve("blobs").resolve(etag);
    }

    Path incomplete(String etag) {
        return repoDir.resolve("blobs").resolve(etag + ".incomplete");
    }

    /** The commit {@code revision} resolved to last time (a full commit hash names itself), if known. */
    Optional<String> commitFor(HubModelId id) throws IOException {
        if (id.revisionIsCommit()) {
            return Files.isDirectory(snapshot(id.revision())) ? Optional.of(id.revision()) : Optional.empty();
        }
        Path ref = repoDir.resolve("refs").resolve(id.revision());
        return Files.isRegularFile(ref) ? Optional.of(Files.readString(ref, StandardCharsets.UTF_8).strip())
                : Optional.empty();
    }

    void writeRef(String revision, String commit) throws IOException {
        if (revision.equals(commit)) {
            return;
        }
        Path ref = repoDir.resolve("refs").resolve(revision);
        Files.createDirectories(ref.getParent());
        Path tmp = ref.resolveSibling(ref.getFileName() + ".tmp");
        Files.writeString(tmp, commit, StandardCharsets.UTF_8);
        move(tmp, ref);
    }

    /** Puts the finished download in blobs/ under its ETag, atomically. */
    void commitBlob(Path incomplete, String etag) throws IOException {
        move(incomplete, blob(etag));
    }

    /** Links {@code snapshots/<commit>/<file>} to its blob with a relative symlink (a copy where links fail). */
    void link(String commit, String file, String etag) throws IOException {
        Path target = snapshot(commit).resolve(file);
        Files.createDirectories(target.getParent());
        Files.deleteIfExists(target);
        Path relative = target.getParent().relativize(blob(etag));
        try {
            Files.createSymbolicLink(target, relative);
        } catch (UnsupportedOperationException | IOException e) {
            // Filesystems without symlinks (some Windows setups): huggingface_hub copies then, and so do we.
            Files.copy(blob(etag), target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Whether the snapshot already holds {@code file} with contents present (a dangling link does not count). */
    boolean has(String commit, String file) {
        return Files.isRegularFile(snapshot(commit).resolve(file));
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
