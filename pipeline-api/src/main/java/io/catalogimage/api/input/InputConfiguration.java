package io.catalogimage.api.input;

import org.springframework.boot.jackson.autoconfigure.JsonMapperBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Spring MVC reads request bodies as the submission and the schedule do ({@link StrictJson}). In
 * code, not in a property, so that no configuration turns it off.
 */
@Configuration(proxyBeanMethods = false)
class InputConfiguration {

  @Bean
  JsonMapperBuilderCustomizer strictRequestBodies() {
    return StrictJson::configure;
  }
}
