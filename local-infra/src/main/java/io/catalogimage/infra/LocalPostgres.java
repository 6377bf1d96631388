package io.catalogimage.infra;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A real PostgreSQL server (zonky's packaged binaries) run as a child process of this JVM. Zonky
 * runs it under {@code unshare -U} when the JVM is root, which Postgres otherwise refuses.
 */
public final class LocalPostgres implements AutoCloseable {

  public static final String USER = "postgres";
  public static final String PASSWORD = "postgres";

  private final EmbeddedPostgres server;
  private final Path dataDir;

  /** The postmaster this class restarted itself after a {@link #stopNow()}, or null. */
  private Process restarted;

  private LocalPostgres(EmbeddedPostgres server, Path dataDir) {
    this.server = server;
    this.dataDir = dataDir;
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
      return new LocalPostgres(pg, dataDir);
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

  /**
   * Stops the server as an outage would (fast shutdown: every connection is cut, new ones are
   * refused); {@link #restart()} brings it back on the same port with the same data. For fault
   * tests.
   */
  public synchronized void stopNow() {
    long pid = postmasterPid();
    List<String> args = commandLine(pid);
    stoppedArgs = args;
    run(List.of("kill", "-INT", Long.toString(pid)));
    ProcessHandle.of(pid).ifPresent(h -> h.onExit().join());
    waitGone(pid);
  }

  /** Starts the server again after {@link #stopNow()}; returns once it accepts connections. */
  public synchronized void restart() {
    if (stoppedArgs == null) {
      throw new IllegalStateException("not stopped");
    }
    List<String> command = new ArrayList<>();
    if ("root".equals(System.getProperty("user.name"))) {
      // as zonky does: Postgres refuses uid 0, and runs as the namespace's unmapped user instead
      command.add("unshare");
      command.add("-U");
    }
    command.addAll(stoppedArgs);
    try {
      restarted =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
    } catch (IOException e) {
      throw new UncheckedIOException("could not start PostgreSQL again", e);
    }
    stoppedArgs = null;
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (true) {
      try (Connection c = server.getPostgresDatabase().getConnection()) {
        return;
      } catch (SQLException notYet) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("PostgreSQL did not come back", notYet);
        }
        sleep(100);
      }
    }
  }

  private List<String> stoppedArgs;

  private long postmasterPid() {
    try {
      return Long.parseLong(Files.readAllLines(dataDir.resolve("postmaster.pid")).get(0).strip());
    } catch (IOException e) {
      throw new UncheckedIOException("no postmaster.pid in " + dataDir, e);
    }
  }

  private static List<String> commandLine(long pid) {
    try {
      byte[] raw = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"));
      List<String> args = new ArrayList<>();
      int start = 0;
      for (int i = 0; i < raw.length; i++) {
        if (raw[i] == 0) {
          args.add(new String(raw, start, i - start, StandardCharsets.UTF_8));
          start = i + 1;
        }
      }
      return args;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the postmaster's command line", e);
    }
  }

  private static void waitGone(long pid) {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)
        || Files.exists(Path.of("/proc", Long.toString(pid)))) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("PostgreSQL did not stop");
      }
      sleep(50);
    }
  }

  private static void run(List<String> command) {
    try {
      int exit = new ProcessBuilder(command).inheritIO().start().waitFor();
      if (exit != 0) {
        throw new IllegalStateException(command + " exited with " + exit);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public synchronized void close() {
    try {
      if (stoppedArgs != null) {
        return; // stopped for good; zonky's own stop would wait for a server that is not there
      }
      server.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      if (restarted != null && restarted.isAlive()) {
        // zonky's pg_ctl stop has signalled it; make sure it is gone
        try {
          restarted.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        restarted.destroyForcibly();
      }
    }
  }
}
