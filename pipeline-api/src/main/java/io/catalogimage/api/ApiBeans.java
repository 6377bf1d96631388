package io.catalogimage.api;

import io.catalogimage.common.message.JobTopics;
import io.catalogimage.common.message.KafkaTopicsProperties;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.core.KafkaAdmin;

/** Wiring that belongs to no single feature. */
@Configuration(proxyBeanMethods = false)
class ApiBeans {

  /** The OpenAPI document's header (springdoc derives the paths from the controllers). */
  @Bean
  OpenAPI openApi() {
    return new OpenAPI()
        .info(
            new Info()
                .title("Catalog image pipeline API")
                .version("v1")
                .description(
                    "Submit a catalog, get a batch id at once (202), follow it to the end. Images"
                        + " and alt text land in object storage; errors are RFC 9457 problem"
                        + " details with a stable type per kind."));
  }

  @Bean
  JobTopics jobTopics(KafkaAdmin admin, KafkaTopicsProperties props) {
    return new JobTopics(admin, props);
  }
}
