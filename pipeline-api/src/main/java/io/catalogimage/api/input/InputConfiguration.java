package io.catalogimage.api.input;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The strict string check on the JSON mapper Spring MVC reads request bodies with. */
@Configuration(proxyBeanMethods = false)
class InputConfiguration {

  @Bean
  StrictTextModule strictTextModule() {
    return new StrictTextModule();
  }
}
