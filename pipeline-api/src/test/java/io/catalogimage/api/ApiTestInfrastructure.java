package io.catalogimage.api;

import io.catalogimage.infra.LocalPostgres;
import io.catalogimage.infra.LocalS3;
import java.util.UUID;
import org.springframework.test.context.DynamicPropertyRegistry;

/**
 * Real PostgreSQL and S3 for api tests, started once per test JVM; each test class gets its own
 * database so that no test sees another's rows. Kafka points at a closed port: these tests check
 * intake and queries, and items simply stay QUEUED.
 */
public final class ApiTestInfrastructure {

  /** The default tenant's key in every api test. */
  public static final String API_KEY = "cip_TestTenant_" + "0123456789abcdefABCDEF0123456789";

  public static final String AUTHORIZATION = "Bearer " + API_KEY;

  public static final String ADMIN_TOKEN = "test-admin-token";

  private static LocalPostgres postgres;
  private static LocalS3 s3;

  private ApiTestInfrastructure() {}

  public static synchronized void register(DynamicPropertyRegistry registry) {
    startServers();
    String url = postgres.createDatabase("api_" + UUID.randomUUID().toString().replace("-", ""));
    register(registry, url);
  }

  private static synchronized void startServers() {
    if (postgres == null) {
      postgres = LocalPostgres.start();
      s3 = LocalS3.inMemory();
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    s3.close();
                    postgres.close();
                  }));
    }
  }

  /** As {@link #register(DynamicPropertyRegistry)}, with a database of the test's own. */
  public static synchronized void register(DynamicPropertyRegistry registry, String url) {
    startServers();
    // (pipeline.local-mode=true, which lets these well-known credentials start the api, is a
    // system property of the test JVM: see the surefire configuration in pom.xml)
    registry.add("spring.datasource.url", () -> url);
    registry.add("spring.datasource.username", () -> LocalPostgres.USER);
    registry.add("spring.datasource.password", () -> LocalPostgres.PASSWORD);
    registry.add("spring.kafka.bootstrap-servers", () -> "127.0.0.1:1");
    registry.add("pipeline.storage.endpoint", () -> s3.endpoint().toString());
    registry.add("pipeline.storage.access-key", () -> LocalS3.ACCESS_KEY);
    registry.add("pipeline.storage.secret-key", () -> LocalS3.SECRET_KEY);
    registry.add("pipeline.security.bootstrap-key", () -> API_KEY);
    registry.add("pipeline.security.admin-token", () -> ADMIN_TOKEN);
  }
}
