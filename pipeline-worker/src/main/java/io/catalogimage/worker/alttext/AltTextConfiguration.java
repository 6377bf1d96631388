package io.catalogimage.worker.alttext;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The checks' beans: one language detector per worker, its models within a memory budget. */
@Configuration(proxyBeanMethods = false)
public class AltTextConfiguration {

  @Bean
  LanguageModels languageModels(AltTextProperties props, MeterRegistry meters) {
    LanguageModels models =
        new LanguageModels(
            props.languageModelMemory().toBytes(), props.languageModelIdle(), Clock.systemUTC());
    Gauge.builder("pipeline.alttext.language_models_bytes", models, LanguageModels::heldBytes)
        .description("estimated heap of the language detector's full models held now")
        .baseUnit("bytes")
        .register(meters);
    FunctionCounter.builder("pipeline.alttext.language_checks", models, LanguageModels::fullChecks)
        .description("language checks, by the models they used")
        .tag("models", "full")
        .register(meters);
    FunctionCounter.builder(
            "pipeline.alttext.language_checks", models, LanguageModels::trigramChecks)
        .description("language checks, by the models they used")
        .tag("models", "trigrams")
        .register(meters);
    return models;
  }

  @Bean
  LanguageId languageId(AltTextProperties props, LanguageModels models) {
    return new LanguageId(props.languages(), models);
  }

  @Bean
  TextChecks textChecks(AltTextProperties props, LanguageId languages) {
    return new TextChecks(props, languages);
  }
}
