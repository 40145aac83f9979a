package dev.longtune.api;

import java.util.List;

/**
 * The one service a plugin jar provides, listed in {@code META-INF/services/dev.longtune.api.LongtunePlugin}.
 *
 * <p>Every getter is a {@code default} method returning named factories, so a new plugin family can be added to
 * Longtune without breaking plugins compiled against an older API (the Trino pattern). A jar may contribute to any
 * number of families. The host never hands a plugin its injector; a plugin may use Guice privately.
 */
public interface LongtunePlugin {

    default List<ModelArchitecture<?>> modelArchitectures() {
        return List.of();
    }

    default List<ContextExtensionFactory<?>> contextExtensions() {
        return List.of();
    }

    default List<FineTuningMethodFactory<?>> fineTuningMethods() {
        return List.of();
    }

    default List<EvaluatorFactory<?>> evaluators() {
        return List.of();
    }
}
