package io.catalogimage.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.catalogimage.common.config.KnownCredentials;
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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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

  /** A service's environment as written in the compose file (secrets as placeholders). */
  @SuppressWarnings("unchecked")
  private static Map<String, String> rawEnvironment(String service) throws IOException {
    Map<String, Object> s = (Map<String, Object>) services().get(service);
    Map<String, String> env = new HashMap<>();
    ((Map<String, Object>) s.getOrDefault("environment", Map.of()))
        .forEach((k, v) -> env.put(k, String.valueOf(v)));
    return env;
  }

  private static final Pattern REQUIRED = Pattern.compile("\\$\\{(\\w+):\\?[^}]*}");

  /** The .env deploy/generate-secrets.sh writes, made once in a scratch copy of deploy/. */
  private static Map<String, String> generatedSecrets;

  private static synchronized Map<String, String> generatedSecrets() throws Exception {
    if (generatedSecrets == null) {
      Path dir = Files.createTempDirectory("compose-secrets");
      Files.createDirectories(dir.resolve("deploy"));
      Files.copy(
          ROOT.resolve("deploy/generate-secrets.sh"), dir.resolve("deploy/generate-secrets.sh"));
      Process p =
          new ProcessBuilder("bash", dir.resolve("deploy/generate-secrets.sh").toString())
              .redirectErrorStream(true)
              .start();
      assertThat(p.waitFor()).as(new String(p.getInputStream().readAllBytes())).isZero();
      Map<String, String> env = new HashMap<>();
      for (String line : Files.readAllLines(dir.resolve(".env"))) {
        int eq = line.indexOf('=');
        if (!line.startsWith("#") && eq > 0) {
          env.put(line.substring(0, eq), line.substring(eq + 1));
        }
      }
      generatedSecrets = Map.copyOf(env);
    }
    return generatedSecrets;
  }

  /** A service's environment as the container sees it, with the generated secrets filled in. */
  private static Map<String, String> environment(String service) throws Exception {
    Map<String, String> secrets = generatedSecrets();
    Map<String, String> env = new HashMap<>();
    rawEnvironment(service)
        .forEach(
            (k, v) -> {
              Matcher m = REQUIRED.matcher(v);
              StringBuilder out = new StringBuilder();
              while (m.find()) {
                assertThat(secrets).as(service + " " + k).containsKey(m.group(1));
                m.appendReplacement(out, Matcher.quoteReplacement(secrets.get(m.group(1))));
              }
              m.appendTail(out);
              env.put(k, out.toString());
            });
    return env;
  }

  /** Every credential of every service comes from .env, required, with no fallback value. */
  @Test
  void compose_takes_every_secret_from_the_environment_and_has_no_default() throws Exception {
    Pattern secret =
        Pattern.compile(
            ".*(PASSWORD|SECRET|TOKEN|ACCESSKEY|APIKEY|API_KEYS|BOOTSTRAPKEY|ROOT_USER).*");
    List<String> checked = new ArrayList<>();
    for (String service : services().keySet()) {
      for (var e : rawEnvironment(service).entrySet()) {
        if (secret.matcher(e.getKey()).matches()) {
          assertThat(e.getValue())
              .as(service + " " + e.getKey() + " must be ${VAR:?...}, without a default")
              .matches("\\$\\{\\w+:\\?[^}]+}(=\\w+)?");
          checked.add(service + "." + e.getKey());
        }
      }
    }
    assertThat(checked)
        .contains(
            "api.SPRING_DATASOURCE_PASSWORD",
            "api.PIPELINE_SECURITY_ADMINTOKEN",
            "api.PIPELINE_SECURITY_BOOTSTRAPKEY",
            "worker-1.PIPELINE_STORAGE_SECRETKEY",
            "postgres.POSTGRES_PASSWORD",
            "minio.MINIO_ROOT_PASSWORD");
    assertThat(Files.readString(ROOT.resolve("docker-compose.yml")))
        .doesNotContain("minioadmin")
        .doesNotContain(":-");
  }

  /**
   * With the secrets the generator makes, the api and the workers pass their own start-up check of
   * known credentials (not in the local mode); with the values compose used to ship they do not.
   */
  @Test
  void the_apps_start_with_generated_secrets_and_refuse_the_old_defaults() throws Exception {
    for (String service : List.of("api", "worker-1", "worker-2")) {
      Map<String, String> env = environment(service);
      assertThat(env).doesNotContainKey("PIPELINE_LOCALMODE");
      assertThatCode(() -> knownCredentialsCheck(env)).as(service).doesNotThrowAnyException();

      Map<String, String> old = new HashMap<>(env);
      old.put("SPRING_DATASOURCE_PASSWORD", "catalog");
      old.put("PIPELINE_STORAGE_SECRETKEY", "minioadmin");
      assertThatThrownBy(() -> knownCredentialsCheck(old))
          .as(service)
          .hasMessageContaining("spring.datasource.password")
          .hasMessageContaining("pipeline.storage.secret-key");
    }
    Map<String, String> api = new HashMap<>(environment("api"));
    api.put("PIPELINE_SECURITY_ADMINTOKEN", "change-me-admin-token");
    assertThatThrownBy(() -> knownCredentialsCheck(api))
        .hasMessageContaining("pipeline.security.admin-token");
  }

  private static void knownCredentialsCheck(Map<String, String> env) {
    StandardEnvironment environment = new StandardEnvironment();
    environment
        .getPropertySources()
        .replace(
            StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
            new SystemEnvironmentPropertySource(
                StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, Map.copyOf(env)));
    ConfigurationPropertySources.attach(environment);
    new KnownCredentials()
        .postProcessEnvironment(environment, new org.springframework.boot.SpringApplication());
  }

  @Test
  void every_image_runs_as_an_unprivileged_user() throws Exception {
    String dockerfile = Files.readString(ROOT.resolve("deploy/Dockerfile"));
    for (String target : List.of("api", "worker", "simulator")) {
      int start = dockerfile.indexOf("AS " + target + "\n");
      int end = dockerfile.indexOf("ENTRYPOINT", start);
      String stage = dockerfile.substring(start, end);
      Matcher user = Pattern.compile("(?m)^USER (\\S+)").matcher(stage);
      assertThat(user.find()).as(target + " sets USER").isTrue();
      assertThat(user.group(1)).as(target).doesNotStartWith("0").isNotEqualTo("root");
    }
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
    assertThat(simulator.apiKey()).isEqualTo(generatedSecrets().get("SIMULATOR_KEY"));
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
