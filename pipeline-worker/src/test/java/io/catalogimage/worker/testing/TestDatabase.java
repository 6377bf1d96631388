package io.catalogimage.worker.testing;

import com.zaxxer.hikari.HikariDataSource;
import io.catalogimage.infra.LocalPostgres;
import java.util.UUID;
import org.flywaydb.core.Flyway;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * A real PostgreSQL with the pipeline's schema, one server per test JVM and a fresh database per
 * call (pooled, as in the app), for tests of the worker's SQL.
 */
public final class TestDatabase {

  private static LocalPostgres postgres;

  private TestDatabase() {}

  public static JdbcClient fresh() {
    return JdbcClient.create(freshDataSource());
  }

  /** A fresh database's pool: for tests that also run transactions of their own. */
  public static synchronized HikariDataSource freshDataSource() {
    if (postgres == null) {
      postgres = LocalPostgres.start();
      Runtime.getRuntime().addShutdownHook(new Thread(postgres::close));
    }
    String url = postgres.createDatabase("w_" + UUID.randomUUID().toString().replace("-", ""));
    HikariDataSource ds = new HikariDataSource();
    ds.setJdbcUrl(url);
    ds.setUsername(LocalPostgres.USER);
    ds.setPassword(LocalPostgres.PASSWORD);
    ds.setMaximumPoolSize(8);
    Flyway.configure().dataSource(ds).load().migrate();
    return ds;
  }
}
