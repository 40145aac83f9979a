package com.example.longtune.distinct;

import dev.longtune.api.EvaluatorFactory;
import dev.longtune.api.LongtunePlugin;
import java.util.List;

/** The plugin's entry point, listed in META-INF/services/dev.longtune.api.LongtunePlugin. */
public final class DistinctNgramsPlugin implements LongtunePlugin {

    @Override
    public List<EvaluatorFactory<?>> evaluators() {
        return List.of(new DistinctNgramsFactory());
    }
}
