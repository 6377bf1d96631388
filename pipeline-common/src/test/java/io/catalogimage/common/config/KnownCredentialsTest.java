package io.catalogimage.common.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

/** Outside the local mode the apps refuse to start with a credential anyone could guess. */
class KnownCredentialsTest {

  private static final String TOKEN = "Xq7vN2pL9sT4wK8mR3cF6hJ1bY5dG0aZ";
  private static final String KEY = "cip_Ab3dE5gH7j_" + "Qw3eR5tY7uI9oP1aS3dF5gH7jK9lZ2xC";

  private static StandardEnvironment env(Map<String, Object> settings) {
    StandardEnvironment env = new StandardEnvironment();
    env.getPropertySources().addFirst(new MapPropertySource("test", settings));
    return env;
  }

  private static Map<String, Object> good() {
    Map<String, Object> m = new HashMap<>();
    m.put("spring.datasource.password", "q9P2xW7kV4mN8rT3");
    m.put("pipeline.storage.access-key", "AKIA5SX2EXAMPLE7Q3ZR");
    m.put("pipeline.storage.secret-key", "s8Jd3kL9qW2eR5tY7uI1oP4aZ6xC0vB3nM5");
    m.put("pipeline.security.admin-token", TOKEN);
    m.put("pipeline.security.bootstrap-key", KEY);
    return m;
  }

  private static void start(Map<String, Object> settings) {
    new KnownCredentials().postProcessEnvironment(env(settings), new SpringApplication());
  }

  @Test
  void secrets_of_your_own_start() {
    assertThatCode(() -> start(good())).doesNotThrowAnyException();
  }

  @ParameterizedTest
  @CsvSource({
    "spring.datasource.password, catalog",
    "spring.datasource.password, postgres",
    "spring.datasource.password, ''",
    "pipeline.storage.access-key, minioadmin",
    "pipeline.storage.secret-key, minioadmin",
    "pipeline.storage.secret-key, MinioAdmin",
    "pipeline.security.admin-token, change-me-admin-token",
    "pipeline.security.admin-token, short-token",
    "pipeline.security.bootstrap-key, cip_ChangeMeKe_0000000000000000000000000000dev0",
    "pipeline.security.bootstrap-key, cip_AAAAAAAAAA_aaaaaaaaaaaaaaaabbbbbbbbbbbbbbbb",
  })
  void a_guessable_credential_stops_start_up_naming_the_setting(String setting, String value) {
    Map<String, Object> settings = good();
    settings.put(setting, value);

    assertThatThrownBy(() -> start(settings))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(setting)
        .hasMessageNotContaining(value.isEmpty() ? "\u0000" : value);
  }

  @Test
  void the_local_mode_may_use_the_defaults() {
    Map<String, Object> settings = new HashMap<>();
    settings.put("spring.datasource.password", "catalog");
    settings.put("pipeline.storage.secret-key", "minioadmin");
    settings.put(KnownCredentials.LOCAL_MODE, "true");

    assertThatCode(() -> start(settings)).doesNotThrowAnyException();
  }

  @Test
  void no_admin_token_and_no_bootstrap_key_are_safe() {
    Map<String, Object> settings = good();
    settings.remove("pipeline.security.admin-token");
    settings.remove("pipeline.security.bootstrap-key");

    assertThatCode(() -> start(settings)).doesNotThrowAnyException();
  }

  @Test
  void the_apps_run_the_check_at_start_up() throws Exception {
    String factories =
        new String(
            getClass().getResourceAsStream("/META-INF/spring.factories").readAllBytes(),
            java.nio.charset.StandardCharsets.UTF_8);
    assertThat(factories).contains(KnownCredentials.class.getName());
  }
}
