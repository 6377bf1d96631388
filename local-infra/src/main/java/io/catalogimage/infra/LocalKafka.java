package io.catalogimage.infra;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;

/**
 * A real single-node Kafka broker (KRaft, broker and controller combined) running inside this JVM,
 * on a port of our choosing: a test can point clients at a broker that is not up yet and start it
 * later. Storage is formatted in a temporary directory, as {@code kafka-storage format} would.
 */
public final class LocalKafka implements AutoCloseable {

  private KafkaRaftServer server;
  private final KafkaConfig config;
  private final int port;
  private final Path dataDir;
  private boolean stopped;

  private LocalKafka(KafkaRaftServer server, KafkaConfig config, int port, Path dataDir) {
    this.server = server;
    this.config = config;
    this.port = port;
    this.dataDir = dataDir;
  }

  /** Starts a broker on a free port. */
  public static LocalKafka start() {
    return start(0);
  }

  /** Starts a broker on {@code port} (0 = any free port); returns once it answers clients. */
  public static LocalKafka start(int port) {
    try {
      int brokerPort = port > 0 ? port : freePort();
      int controllerPort = freePort();
      Path dir = Files.createTempDirectory("catalog-kafka-");
      Properties props = new Properties();
      props.put("process.roles", "broker,controller");
      props.put("node.id", "1");
      props.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
      props.put(
          "listeners",
          "PLAINTEXT://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort);
      props.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPort);
      props.put("controller.listener.names", "CONTROLLER");
      props.put("inter.broker.listener.name", "PLAINTEXT");
      props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
      props.put("log.dirs", dir.toString());
      props.put("offsets.topic.replication.factor", "1");
      props.put("offsets.topic.num.partitions", "12");
      props.put("transaction.state.log.replication.factor", "1");
      props.put("transaction.state.log.min.isr", "1");
      props.put("share.coordinator.state.topic.replication.factor", "1");
      props.put("share.coordinator.state.topic.min.isr", "1");
      props.put("group.initial.rebalance.delay.ms", "0");
      props.put("auto.create.topics.enable", "false");
      props.put("num.partitions", "12");
      KafkaConfig config = KafkaConfig.fromProps(props);
      new Formatter()
          .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
          .setNodeId(1)
          .setClusterId(Uuid.randomUuid().toString())
          .setDirectories(List.of(dir.toString()))
          .setMetadataLogDirectory(dir.toString())
          .setControllerListenerName("CONTROLLER")
          .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
          .run();
      KafkaRaftServer server = new KafkaRaftServer(config, Time.SYSTEM);
      server.startup();
      LocalKafka kafka = new LocalKafka(server, config, brokerPort, dir);
      kafka.awaitReady();
      return kafka;
    } catch (IOException e) {
      throw new UncheckedIOException("could not start Kafka", e);
    } catch (Exception e) {
      throw new IllegalStateException("could not start Kafka", e);
    }
  }

  private void awaitReady() throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrapServers()))) {
      admin.describeCluster().nodes().get(60, TimeUnit.SECONDS);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /**
   * Stops the broker as a crash would leave it (clients get no answer), keeping its logs; {@link
   * #start()} brings it back on the same port with its topics, records and offsets. For fault
   * tests.
   */
  public synchronized void stopNow() {
    server.shutdown();
    server.awaitShutdown();
    stopped = true;
  }

  /** Starts the broker again after {@link #stopNow()}; returns once it answers clients. */
  public synchronized void restart() {
    if (!stopped) {
      throw new IllegalStateException("not stopped");
    }
    server = new KafkaRaftServer(config, Time.SYSTEM);
    server.startup();
    stopped = false;
    try {
      awaitReady();
    } catch (Exception e) {
      throw new IllegalStateException("Kafka did not come back", e);
    }
  }

  public String bootstrapServers() {
    return "127.0.0.1:" + port;
  }

  @Override
  public synchronized void close() {
    if (!stopped) {
      server.shutdown();
      server.awaitShutdown();
    }
    try (Stream<Path> files = Files.walk(dataDir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // a temp directory left behind is harmless
    }
  }
}
