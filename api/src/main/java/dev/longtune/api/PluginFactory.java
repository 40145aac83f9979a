package dev.longtune.api;

/**
 * A named factory: the unit the host discovers, lists, and binds from a YAML node.
 *
 * <p>Every implementation in every family has a stable lower-case {@link #name()} that configs refer to
 * ({@code type: yarn}), and a typed options record ({@link #optionsType()}) that the host binds from the rest of
 * the YAML node with Jackson. Unknown keys are rejected, so a typo in a config fails at {@code validate} time with
 * the valid keys listed, never silently mid-run. Options records use snake_case names in YAML (annotate the record
 * with {@code @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)}) and fill their defaults in the compact
 * constructor. A factory with nothing to configure uses {@link NoOptions}.
 *
 * @param <O> the options record
 */
public interface PluginFactory<O> {

    /** Stable lower-case name used in configs, e.g. {@code llama}, {@code linear}, {@code sft}, {@code perplexity}. */
    String name();

    /** The options record this factory is configured with; bound from YAML with unknown keys rejected. */
    Class<O> optionsType();

    /** One line for {@code longtune plugins}. */
    default String description() {
        return "";
    }

    /** The version of the jar the factory came from (its manifest's Implementation-Version), or {@code dev}. */
    default String version() {
        Package p = getClass().getPackage();
        String v = p == null ? null : p.getImplementationVersion();
        return v == null ? "dev" : v;
    }
}
