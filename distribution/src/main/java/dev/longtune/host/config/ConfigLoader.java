package dev.longtune.host.config;

import dev.longtune.api.LongtuneException;
import dev.longtune.api.config.ExperimentConfig;
import dev.longtune.api.config.OptionsBinder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/** Reads an experiment YAML file, applies {@code --set} overrides and binds it strictly to {@link ExperimentConfig}. */
public final class ConfigLoader {

    private ConfigLoader() {}

    public static LoadedConfig load(Path file, List<String> overrides) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new LongtuneException("config file not found: " + file.toAbsolutePath());
        } catch (IOException e) {
            throw new LongtuneException("cannot read config file " + file + ": " + e.getMessage(), e);
        }
        return fromText(text, file, overrides);
    }

    /**
     * Binds YAML text as if it were read from {@code file} (relative paths resolve against its folder); used by
     * commands that build a config from their own options, so they load exactly as {@code run} does.
     */
    public static LoadedConfig fromText(String text, Path file, List<String> overrides) {
        YamlTree tree = YamlTree.parse(text, file.toString());
        Overrides.apply(tree, overrides);
        ExperimentConfig config;
        try {
            config = OptionsBinder.bind(tree.root(), ExperimentConfig.class, "the experiment config", "",
                    tree::lineOf);
        } catch (LongtuneException e) {
            throw new LongtuneException(file.getFileName() + ": " + e.getMessage(), e);
        }
        return new LoadedConfig(file, tree, config);
    }
}
