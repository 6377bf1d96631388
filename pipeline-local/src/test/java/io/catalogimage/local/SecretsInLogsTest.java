package io.catalogimage.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.catalogimage.api.auth.ApiKeys;
import io.catalogimage.api.auth.SecurityProperties;
import io.catalogimage.api.webhook.WebhookSecrets;
import io.catalogimage.common.storage.ObjectStoreProperties;
import io.catalogimage.simulator.SimulatorConfig;
import io.catalogimage.worker.provider.ProviderProperties;
import java.lang.reflect.RecordComponent;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * No secret is ever logged: a record's generated toString prints every component, so every record
 * of every module that holds a credential (by the name of a component or of the record) declares
 * its own, and those print no secret.
 */
class SecretsInLogsTest {

  private static final Pattern SECRET_COMPONENT =
      Pattern.compile("(?i).*(secret|password|token|apikey|accesskey|bootstrapkey).*|key");
  private static final Pattern SECRET_RECORD = Pattern.compile("(?i).*(secret|issuedkey).*");
  private static final String MARK = "Sup3rS3cretValue0123456789abcdefXYZ";

  @Test
  void every_record_holding_a_secret_declares_its_own_toString() throws Exception {
    List<String> holders = new ArrayList<>();
    List<String> leaking = new ArrayList<>();
    for (Class<?> type : ownClasses()) {
      if (!type.isRecord()) {
        continue;
      }
      boolean holdsSecret =
          SECRET_RECORD.matcher(type.getSimpleName()).matches()
              || Arrays.stream(type.getRecordComponents())
                  .map(RecordComponent::getName)
                  .anyMatch(n -> SECRET_COMPONENT.matcher(n).matches());
      if (!holdsSecret) {
        continue;
      }
      holders.add(type.getName());
      boolean declared =
          Arrays.stream(type.getDeclaredMethods())
              .anyMatch(m -> m.getName().equals("toString") && m.getParameterCount() == 0);
      if (!declared) {
        leaking.add(type.getName());
      }
    }
    assertThat(holders)
        .as("the scan finds the records it is about")
        .contains(
            SecurityProperties.class.getName(),
            ObjectStoreProperties.class.getName(),
            ProviderProperties.Endpoint.class.getName(),
            SimulatorConfig.class.getName());
    assertThat(leaking).as("records that would print a secret").isEmpty();
  }

  /** Every class of every module (a directory or a jar each), loaded without initialising it. */
  private static List<Class<?>> ownClasses() throws Exception {
    List<Class<?>> out = new ArrayList<>();
    for (Class<?> anchor :
        List.of(
            SecurityProperties.class,
            ObjectStoreProperties.class,
            ProviderProperties.class,
            SimulatorConfig.class,
            LocalPipeline.class)) {
      Path where = Path.of(anchor.getProtectionDomain().getCodeSource().getLocation().toURI());
      List<String> names = new ArrayList<>();
      if (Files.isDirectory(where)) {
        try (Stream<Path> files = Files.walk(where)) {
          files
              .map(f -> where.relativize(f).toString().replace(java.io.File.separatorChar, '/'))
              .forEach(names::add);
        }
      } else {
        try (JarFile jar = new JarFile(where.toFile())) {
          jar.stream().map(JarEntry::getName).forEach(names::add);
        }
      }
      for (String name : names) {
        if (name.startsWith("io/catalogimage/") && name.endsWith(".class")) {
          String className = name.substring(0, name.length() - 6).replace('/', '.');
          out.add(Class.forName(className, false, SecretsInLogsTest.class.getClassLoader()));
        }
      }
    }
    return out;
  }

  @Test
  void the_api_security_settings_print_no_token_or_key() {
    String key = "cip_Ab3dE5gH7j_" + "Qw3eR5tY7uI9oP1aS3dF5gH7jK9lZ2xC";
    String printed = new SecurityProperties(MARK, key, null, null, null, null, null).toString();
    assertThat(printed).doesNotContain(MARK).doesNotContain("Qw3eR5tY7uI9oP1aS3dF5gH7jK9lZ2xC");
  }

  @Test
  void issued_keys_and_webhook_secrets_print_no_secret() {
    assertThat(new ApiKeys.IssuedKey("id", "cip_x", "ci", Instant.EPOCH, MARK).toString())
        .doesNotContain(MARK);
    assertThat(new WebhookSecrets.Secrets(MARK, MARK + "old", Instant.EPOCH).toString())
        .doesNotContain(MARK);
  }

  @Test
  void storage_and_provider_settings_print_no_credentials() {
    ObjectStoreProperties storage =
        new ObjectStoreProperties(
            URI.create("http://minio:9000"), null, null, null, MARK, MARK, null, null, null);
    assertThat(storage.toString()).doesNotContain(MARK);
    ProviderProperties.Endpoint endpoint =
        new ProviderProperties.Endpoint(
            "gemini",
            URI.create("https://x.example"),
            MARK,
            null,
            null,
            null,
            null,
            null,
            null,
            null);
    assertThat(endpoint.toString()).doesNotContain(MARK);
    assertThat(new ProviderProperties(Map.of("x", endpoint)).toString()).doesNotContain(MARK);
  }

  @Test
  void the_simulator_prints_its_projects_not_its_keys() {
    SimulatorConfig config = SimulatorConfig.defaults();
    assertThat(config.toString()).doesNotContain(SimulatorConfig.DEFAULT_KEY);
  }
}
