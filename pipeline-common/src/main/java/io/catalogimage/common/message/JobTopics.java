package io.catalogimage.common.message;

import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.admin.NewTopic;
import org.springframework.kafka.config.TopicBuilder;
import org.springframework.kafka.core.KafkaAdmin;

/**
 * Creates the jobs topics and their dead-letter topics (same partition count: the dead-letter
 * recoverer publishes to the record's own partition) when they are missing. Both apps call it, so
 * neither depends on the other having started first; it is idempotent.
 */
public final class JobTopics {

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
      topics.add(topic(props.jobsTopic(lane)));
      topics.add(topic(props.deadLetterTopic(lane)));
    }
    admin.createOrModifyTopics(topics.toArray(NewTopic[]::new));
    created = true;
  }

  private NewTopic topic(String name) {
    return TopicBuilder.name(name)
        .partitions(props.partitions())
        .replicas(props.replicationFactor())
        .build();
  }
}
