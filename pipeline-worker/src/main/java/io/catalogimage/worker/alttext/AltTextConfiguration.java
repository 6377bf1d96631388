package io.catalogimage.worker.alttext;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The checks' beans: one language detector per worker, its models loaded on first use. */
@Configuration(proxyBeanMethods = false)
public class AltTextConfiguration {

  @Bean
  LanguageId languageId(AltTextProperties props) {
    return new LanguageId(props.languages());
  }

  @Bean
  TextChecks textChecks(AltTextProperties props, LanguageId languages) {
    return new TextChecks(props, languages);
  }
}
