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
// the worker's one HTTP door is the actuator, guarded by ActuatorGuard; in the local mode the api's
// Spring Security shares the classpath and would otherwise lock the worker with a generated
// password
@SpringBootApplication(
    excludeName = {
      "org.springframework.boot.security.autoconfigure.SecurityAutoConfiguration",
      "org.springframework.boot.security.autoconfigure.UserDetailsServiceAutoConfiguration",
      "org.springframework.boot.security.autoconfigure.actuate.web.servlet.ManagementWebSecurityAutoConfiguration",
      "org.springframework.boot.security.autoconfigure.web.servlet.ServletWebSecurityAutoConfiguration",
      "org.springframework.boot.security.autoconfigure.web.servlet.SecurityFilterAutoConfiguration"
    })
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
    useSharedAsyncPool();
    builder().run(args);
  }

  /**
   * The JDK's {@code HttpClient.sendAsync} completes every response through {@code
   * CompletableFuture}'s default executor, which on a machine with fewer than 3 cores is a new
   * thread per task: one thread started per provider response (seen in JFR: 5,500 thread starts for
   * 5,000 items). A common pool of at least 2 threads makes it reuse threads. Call before anything
   * touches {@code ForkJoinPool}; an explicit setting wins.
   */
  public static void useSharedAsyncPool() {
    String key = "java.util.concurrent.ForkJoinPool.common.parallelism";
    if (System.getProperty(key) == null) {
      System.setProperty(
          key, String.valueOf(Math.max(2, Runtime.getRuntime().availableProcessors() - 1)));
    }
  }
}
