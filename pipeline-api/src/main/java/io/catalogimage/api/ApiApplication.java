package io.catalogimage.api;

import io.catalogimage.common.config.CommonBeans;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.context.annotation.Import;
import org.springframework.resilience.annotation.EnableResilientMethods;

/**
 * The api: intake of catalogs, status and results, dispatch of stored work to Kafka, reclaim of
 * lost leases. Resilient methods: {@link io.catalogimage.api.retry.RetriedOnLockConflict}.
 */
@SpringBootApplication
@EnableResilientMethods
@ConfigurationPropertiesScan
@Import(CommonBeans.class)
public class ApiApplication {

  /** Its own config file name, so that it can share a classpath with the worker (local mode). */
  public static final String CONFIG_NAME = "pipeline-api";

  public static SpringApplicationBuilder builder() {
    return new SpringApplicationBuilder(ApiApplication.class)
        .properties("spring.config.name=" + CONFIG_NAME);
  }

  public static void main(String[] args) {
    SpringApplication app = builder().build();
    app.run(args);
  }
}
