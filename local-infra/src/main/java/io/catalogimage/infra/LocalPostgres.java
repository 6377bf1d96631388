package io.catalogimage.infra;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;

/**
 * A real PostgreSQL server (zonky's packaged binaries) run as a child process of this JVM. Zonky
 * runs it under {@code unshare -U} when the JVM is root, which Postgres otherwise refuses.
 */
public final class LocalPostgres implements AutoCloseable {

  public static final String USER = "postgres";
  public static final String PASSWORD = "postgres";

  private final EmbeddedPostgres server;

  private LocalPostgres(EmbeddedPostgres server) {
    this.server = server;
  }

  /** Starts a fresh cluster in a temporary directory on a free port, stopped when the JVM exits. */
  public static LocalPostgres start() {
    return start(true);
  }

  /**
   * @param stopWithJvm stop the server from a JVM shutdown hook of its own; pass false when the
   *     caller stops it in order (after the apps that use it) from its own hook
   */
  public static LocalPostgres start(boolean stopWithJvm) {
    try {
      Path dataDir = Files.createTempDirectory("catalog-pg-");
      EmbeddedPostgres pg =
          EmbeddedPostgres.builder()
              .setDataDirectory(dataDir)
              .setCleanDataDirectory(true)
              .setPGStartupWait(Duration.ofSeconds(60))
              .setRegisterShutdownHook(stopWithJvm)
              .setServerConfig("max_connections", "300")
              .setServerConfig("fsync", "off")
              .setServerConfig("synchronous_commit", "off")
              .setServerConfig("full_page_writes", "off")
              .start();
      return new LocalPostgres(pg);
    } catch (IOException e) {
      throw new UncheckedIOException("could not start embedded PostgreSQL", e);
    }
  }

  public int port() {
    return server.getPort();
  }

  public String jdbcUrl(String database) {
    return "jdbc:postgresql://127.0.0.1:" + port() + "/" + database;
  }

  /** Creates an empty database (tests use one per class so they never see each other's rows). */
  public String createDatabase(String name) {
    try (Connection c = server.getPostgresDatabase().getConnection();
        Statement st = c.createStatement()) {
      st.execute("CREATE DATABASE \"" + name.replace("\"", "") + "\"");
      return jdbcUrl(name);
    } catch (SQLException e) {
      throw new IllegalStateException("could not create database " + name, e);
    }
  }

  @Override
  public void close() {
    try {
      server.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
