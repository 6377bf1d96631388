package io.catalogimage.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.catalogimage.common.storage.ObjectStoreProperties;
import io.catalogimage.local.config.KnownProperties;
import io.catalogimage.worker.WorkerProperties;
import io.catalogimage.worker.provider.ProviderProperties;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.yaml.snakeyaml.Yaml;

/**
 * docker-compose.yml cannot be started here (no Docker engine), so this keeps it true: every
 * environment variable of the api and worker services must name a real configuration property of
 * that application ({@link KnownProperties}: the metadata its build generates and Spring Boot's
 * own), and binding them the way Spring does must give the values compose means.
 */
class DeploymentConfigurationTest {

  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

  @SuppressWarnings("unchecked")
  private static Map<String, Object> services() throws IOException {
    try (InputStream in = Files.newInputStream(ROOT.resolve("docker-compose.yml"))) {
      Map<String, Object> compose = new Yaml().load(in);
      return (Map<String, Object>) compose.get("services");
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, String> environment(String service) throws IOException {
    Map<String, Object> s = (Map<String, Object>) services().get(service);
    Map<String, String> env = new HashMap<>();
    ((Map<String, Object>) s.getOrDefault("environment", Map.of()))
        .forEach((k, v) -> env.put(k, String.valueOf(v)));
    return env;
  }

  @Test
  void compose_runs_the_whole_stack_with_two_workers() throws IOException {
    assertThat(services().keySet())
        .contains(
            "postgres", "kafka", "minio", "minio-init", "simulator", "api", "worker-1", "worker-2");
  }

  @Test
  void every_api_variable_is_a_property_of_the_api() throws Exception {
    assertThat(unknownVariables(environment("api"), KnownProperties.App.API)).isEmpty();
  }

  @Test
  void every_worker_variable_is_a_property_of_the_worker() throws Exception {
    for (String worker : List.of("worker-1", "worker-2")) {
      assertThat(unknownVariables(environment(worker), KnownProperties.App.WORKER))
          .as(worker)
          .isEmpty();
    }
  }

  @Test
  void the_workers_bind_the_simulator_endpoint_storage_and_their_ids() throws Exception {
    Binder binder = binder(environment("worker-2"));
    ProviderProperties providers =
        binder.bind("pipeline.providers", ProviderProperties.class).get();
    ProviderProperties.Endpoint simulator = providers.endpoints().get("simulator");
    assertThat(simulator).isNotNull();
    assertThat(simulator.baseUrl()).isEqualTo(URI.create("http://simulator:8090"));
    assertThat(simulator.apiKey()).isEqualTo("sim-key");
    assertThat(binder.bind("pipeline.worker", WorkerProperties.class).get().id())
        .isEqualTo("worker-2");
    ObjectStoreProperties storage =
        binder.bind("pipeline.storage", ObjectStoreProperties.class).get();
    assertThat(storage.endpoint()).isEqualTo(URI.create("http://minio:9000"));
    assertThat(storage.publicEndpoint()).isEqualTo(URI.create("http://localhost:9000"));
    assertThat(binder.bind("spring.kafka.bootstrap-servers", Bindable.listOf(String.class)).get())
        .containsExactly("kafka:9092");
  }

  @Test
  void every_build_target_compose_names_exists_in_the_dockerfile() throws Exception {
    String dockerfile = Files.readString(ROOT.resolve("deploy/Dockerfile"));
    for (String target : List.of("api", "worker", "simulator")) {
      assertThat(dockerfile).contains("AS " + target + "\n");
    }
  }

  private static Binder binder(Map<String, String> env) {
    // exactly how Spring Boot sees a container's environment: as the systemEnvironment source
    StandardEnvironment environment = new StandardEnvironment();
    environment
        .getPropertySources()
        .replace(
            StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
            new SystemEnvironmentPropertySource(
                StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, Map.copyOf(env)));
    ConfigurationPropertySources.attach(environment);
    return Binder.get(environment);
  }

  /** Variables that no property of the application (or Spring Boot) answers to. */
  private static List<String> unknownVariables(Map<String, String> env, KnownProperties.App app) {
    KnownProperties known = KnownProperties.of(app);
    List<String> unknown = new ArrayList<>();
    for (String variable : env.keySet()) {
      if (!known.knowsVariable(variable)) {
        unknown.add(variable);
      }
    }
    Collections.sort(unknown);
    return unknown;
  }
}
