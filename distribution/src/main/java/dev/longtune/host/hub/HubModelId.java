package dev.longtune.host.hub;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Hugging Face Hub model reference as written in {@code model.path}: {@code org/name}, {@code org/name@revision},
 * or the same behind {@code hf://}. A plain {@code org/name} is only taken as a hub id when no such local folder
 * exists (transformers' {@code from_pretrained} rule), so relative folders keep working.
 *
 * @param repo {@code org/name}
 * @param revision branch, tag or commit ({@code main} when not given)
 */
public record HubModelId(String repo, String revision) {

    public static final String SCHEME = "hf://";
    // Hub repo names: letters, digits, '-', '_', '.'; no leading '-' or '.', no "--" or ".." (huggingface_hub's
    // validate_repo_id), which also keeps the cache folder name models--org--name unambiguous.
    private static final Pattern ID = Pattern.compile(
            "([A-Za-z0-9][A-Za-z0-9_.-]{0,95})/([A-Za-z0-9][A-Za-z0-9_.-]{0,95})(?:@([A-Za-z0-9_./-]{1,200}))?");

    /** The id {@code spec} names, or empty when it cannot be one (absolute paths, more than one '/', …). */
    public static Optional<HubModelId> parse(String spec) {
        String s = spec.startsWith(SCHEME) ? spec.substring(SCHEME.length()) : spec;
        Matcher m = ID.matcher(s);
        if (!m.matches() || s.contains("--") || s.contains("..")) {
            return Optional.empty();
        }
        return Optional.of(new HubModelId(m.group(1) + "/" + m.group(2), m.group(3) == null ? "main" : m.group(3)));
    }

    /** Whether {@code spec} says explicitly that it means the hub. */
    public static boolean isExplicit(String spec) {
        return spec.startsWith(SCHEME);
    }

    /** The cache folder name huggingface_hub uses: {@code models--org--name}. */
    public String cacheFolderName() {
        return "models--" + repo.replace("/", "--");
    }

    /** Whether the revision is a full commit hash (then the snapshot folder is named by it directly). */
    public boolean revisionIsCommit() {
        return revision.matches("[0-9a-f]{40}");
    }

    @Override
    public String toString() {
        return repo + ("main".equals(revision) ? "" : "@" + revision);
    }
}
