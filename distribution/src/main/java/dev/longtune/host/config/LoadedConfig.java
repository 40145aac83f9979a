package dev.longtune.host.config;

import dev.longtune.api.config.ExperimentConfig;
import java.nio.file.Path;

/**
 * An experiment file read, overridden and bound, but not yet checked against the installed plugins.
 *
 * @param file the YAML file
 * @param tree the YAML tree (after overrides) with the line of every key
 * @param config the typed config
 */
public record LoadedConfig(Path file, YamlTree tree, ExperimentConfig config) {

    /** Folder relative paths in the config are resolved against. */
    public Path baseDir() {
        Path parent = file.toAbsolutePath().getParent();
        return parent == null ? Path.of("").toAbsolutePath() : parent;
    }

    /** A path from the config, resolved against the config file's folder. */
    public Path resolve(String path) {
        return baseDir().resolve(path).normalize();
    }

    /** "path (line N)" for messages. */
    public String at(String path) {
        int line = tree.lineOf(path);
        return file.getFileName() + ": " + path + (line > 0 ? " (line " + line + ")" : "");
    }
}
