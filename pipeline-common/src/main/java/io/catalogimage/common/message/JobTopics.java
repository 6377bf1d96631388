package io.catalogimage.common.message;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.springframework.kafka.core.KafkaAdmin;

/**
 * Creates the jobs topics and their dead-letter topics (same partition count: the dead-letter
 * recoverer publishes to the record's own partition) when they are missing. Idempotent, and bounded
 * in time: while Kafka is down it fails within seconds instead of blocking its caller (Spring's
 * KafkaAdmin waits on close for as long as the client keeps retrying).
 */
public final class JobTopics {

  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  private final KafkaAdmin admin;
  private final KafkaTopicsProperties props;
  private volatile boolean created;

  public JobTopics(KafkaAdmin admin, KafkaTopicsProperties props) {
    this.admin = admin;
    this.props = props;
  }

  /** Creates the topics unless this instance already did; throws while Kafka is unreachable. */
  public void ensureCreated() {
    if (created) {
      return;
    }
    List<NewTopic> topics = new ArrayList<>();
    for (String lane : props.lanes()) {
      topics.add(
          new NewTopic(props.jobsTopic(lane), props.partitions(), props.replicationFactor()));
      topics.add(
          new NewTopic(props.deadLetterTopic(lane), props.partitions(), props.replicationFactor()));
    }
    Map<String, Object> config = new HashMap<>(admin.getConfigurationProperties());
    config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) TIMEOUT.toMillis() / 2);
    config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) TIMEOUT.toMillis());
    Admin client = Admin.create(config);
    try {
      for (var result : client.createTopics(topics).values().values()) {
        try {
          result.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof TopicExistsException)) {
            throw new IllegalStateException("could not create the job topics: " + e.getCause(), e);
          }
        }
      }
      created = true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while creating the job topics", e);
    } catch (TimeoutException e) {
      throw new IllegalStateException(
          "Kafka did not answer within " + TIMEOUT + " (is it down?)", e);
    } finally {
      client.close(Duration.ofSeconds(1));
    }
  }
}
