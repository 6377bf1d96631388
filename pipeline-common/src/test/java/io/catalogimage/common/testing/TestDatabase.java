package io.catalogimage.common.testing;

import com.zaxxer.hikari.HikariDataSource;
import io.catalogimage.infra.LocalPostgres;
import java.util.UUID;
import org.flywaydb.core.Flyway;
import org.springframework.jdbc.core.simple.JdbcClient;

/** A real PostgreSQL with the schema, one server per test JVM and a fresh database per call. */
public final class TestDatabase {

  private static LocalPostgres postgres;

  private TestDatabase() {}

  public static synchronized JdbcClient fresh() {
    if (postgres == null) {
      postgres = LocalPostgres.start();
      Runtime.getRuntime().addShutdownHook(new Thread(postgres::close));
    }
    String url = postgres.createDatabase("c_" + UUID.randomUUID().toString().replace("-", ""));
    HikariDataSource ds = new HikariDataSource();
    ds.setJdbcUrl(url);
    ds.setUsername(LocalPostgres.USER);
    ds.setPassword(LocalPostgres.PASSWORD);
    ds.setMaximumPoolSize(8);
    Flyway.configure().dataSource(ds).load().migrate();
    return JdbcClient.create(ds);
  }
}
