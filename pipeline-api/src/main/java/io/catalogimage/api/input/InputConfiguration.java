package io.catalogimage.api.input;

import org.springframework.boot.jackson.autoconfigure.JsonMapperBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.databind.DeserializationFeature;

/**
 * The JSON mapper Spring MVC reads request bodies with: strict strings, and no field it does not
 * know. Ignored, a misspelt field read as absent: {@code {"costCapUSD": 50}} removed a batch's cap.
 * In code, not in a property, so that no configuration turns it off.
 */
@Configuration(proxyBeanMethods = false)
class InputConfiguration {

  @Bean
  StrictTextModule strictTextModule() {
    return new StrictTextModule();
  }

  @Bean
  JsonMapperBuilderCustomizer unknownFieldsRefused() {
    return builder -> builder.enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
  }
}
