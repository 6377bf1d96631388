package io.catalogimage.common.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.ConfigurableEnvironment;

/**
 * Refuses to start the api or a worker with a credential anyone could guess (a shipped default such
 * as {@code minioadmin} or the database password {@code catalog}, a short admin token, an API key
 * of low entropy), unless {@code pipeline.local-mode=true}: the one-JVM local mode and the tests,
 * whose servers live and die with the process, set it. Runs before anything connects, so a
 * deployment that forgot a secret stops at once with the name of the setting.
 */
public final class KnownCredentials implements EnvironmentPostProcessor {

  /** The switch: true only for {@code ./pipeline} and the tests. */
  public static final String LOCAL_MODE = "pipeline.local-mode";

  /** Defaults shipped in config files, compose files and documentation, and the usual suspects. */
  static final Set<String> KNOWN =
      Set.of(
          "catalog",
          "postgres",
          "password",
          "admin",
          "root",
          "secret",
          "changeme",
          "change-me",
          "minioadmin",
          "minio123",
          "local-access-key",
          "local-secret-key",
          "test-admin-token",
          "change-me-admin-token",
          "cip_changemeke_0000000000000000000000000000dev0",
          "cip_testtenant_0123456789abcdefabcdef0123456789");

  static final int MIN_ADMIN_TOKEN = 32;

  /** The settings that hold a credential, and whether a missing value is fine. */
  private static final List<String> SECRETS =
      List.of(
          "spring.datasource.password",
          "pipeline.storage.access-key",
          "pipeline.storage.secret-key",
          "pipeline.security.admin-token",
          "pipeline.security.bootstrap-key");

  @Override
  public void postProcessEnvironment(ConfigurableEnvironment env, SpringApplication app) {
    if (env.getProperty(LOCAL_MODE, Boolean.class, false)) {
      return;
    }
    List<String> problems = new ArrayList<>();
    for (String setting : SECRETS) {
      problem(setting, env.getProperty(setting)).ifPresent(problems::add);
    }
    if (!problems.isEmpty()) {
      throw new IllegalStateException(
          "Refusing to start with guessable credentials (set "
              + LOCAL_MODE
              + "=true only for a local run on this machine):\n  - "
              + String.join("\n  - ", problems));
    }
  }

  /** Why the value of {@code setting} would be a guessable credential outside the local mode. */
  static java.util.Optional<String> problem(String setting, String value) {
    String variable = setting.toUpperCase(Locale.ROOT).replace("-", "").replace('.', '_');
    if (value == null || value.isBlank()) {
      // no admin token closes the admin api; no bootstrap key makes none: both are safe
      return setting.startsWith("pipeline.security")
          ? java.util.Optional.empty()
          : java.util.Optional.of(setting + " is empty; set " + variable);
    }
    if (KNOWN.contains(value.strip().toLowerCase(Locale.ROOT))
        || value.toLowerCase(Locale.ROOT).contains("change-me")
        || value.toLowerCase(Locale.ROOT).contains("changeme")) {
      return java.util.Optional.of(
          setting + " is a known default value; set " + variable + " to a secret of your own");
    }
    if (setting.equals("pipeline.security.admin-token") && value.length() < MIN_ADMIN_TOKEN) {
      return java.util.Optional.of(
          setting
              + " is shorter than "
              + MIN_ADMIN_TOKEN
              + " characters; e.g. openssl rand -base64 33");
    }
    if (setting.equals("pipeline.security.bootstrap-key") && lowEntropy(value)) {
      return java.util.Optional.of(
          setting + " is not a random key; issue keys with the admin api or generate one");
    }
    return java.util.Optional.empty();
  }

  /** An API key whose secret part uses few distinct characters was not drawn at random. */
  private static boolean lowEntropy(String key) {
    int cut = key.lastIndexOf('_');
    String secret = cut < 0 ? key : key.substring(cut + 1);
    return secret.chars().distinct().count() < 12;
  }
}
