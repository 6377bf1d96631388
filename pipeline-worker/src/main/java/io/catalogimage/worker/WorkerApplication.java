package io.catalogimage.worker;

import io.catalogimage.common.config.CommonBeans;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.context.annotation.Import;

/**
 * The worker: consumes jobs from Kafka, calls image models under budgets, stores images and records
 * every call and its cost.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
@Import(CommonBeans.class)
public class WorkerApplication {

  /** Its own config file name, so that it can share a classpath with the api (local mode). */
  public static final String CONFIG_NAME = "pipeline-worker";

  public static SpringApplicationBuilder builder() {
    return new SpringApplicationBuilder(WorkerApplication.class)
        .properties("spring.config.name=" + CONFIG_NAME);
  }

  public static void main(String[] args) {
    builder().run(args);
  }
}
