package io.catalogimage.infra;

import java.util.Map;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

/** A real single-node Kafka broker (KRaft, combined mode) running inside this JVM. */
public final class LocalKafka implements AutoCloseable {

  private final EmbeddedKafkaKraftBroker broker;

  private LocalKafka(EmbeddedKafkaKraftBroker broker) {
    this.broker = broker;
  }

  /** Starts a broker on a free port. */
  public static LocalKafka start() {
    return start(0);
  }

  /**
   * Starts a broker on {@code port} (0 = any free port). A fixed port lets a test point clients at
   * a broker that is not up yet and start it later.
   */
  public static LocalKafka start(int port) {
    EmbeddedKafkaKraftBroker broker = new EmbeddedKafkaKraftBroker(1, 12);
    if (port > 0) {
      broker.kafkaPorts(port);
    }
    broker.brokerProperties(
        Map.of(
            "group.initial.rebalance.delay.ms", "0",
            "auto.create.topics.enable", "false",
            "num.partitions", "12",
            "log.flush.interval.messages", "100000"));
    broker.afterPropertiesSet();
    return new LocalKafka(broker);
  }

  public String bootstrapServers() {
    return broker.getBrokersAsString();
  }

  @Override
  public void close() {
    broker.destroy();
  }
}
