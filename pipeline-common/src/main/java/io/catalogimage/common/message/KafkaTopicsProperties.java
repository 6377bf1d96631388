package io.catalogimage.common.message;

import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The job topics.
 *
 * @param topicPrefix prefix of every topic name (default {@code catalog}: {@code
 *     catalog.jobs.bulk})
 * @param lanes the lanes, each with its own topic and consumers (default interactive, bulk,
 *     scheduled)
 * @param partitions partitions per jobs topic, and per dead-letter topic (default 12)
 * @param replicationFactor replication of created topics (default 1; use 3 on a real cluster)
 */
@ConfigurationProperties("pipeline.kafka")
public record KafkaTopicsProperties(
    String topicPrefix, List<String> lanes, Integer partitions, Short replicationFactor) {

  public static final String DEFAULT_LANE = "bulk";

  public KafkaTopicsProperties {
    topicPrefix = topicPrefix == null || topicPrefix.isBlank() ? "catalog" : topicPrefix;
    lanes = lanes == null || lanes.isEmpty() ? List.of("interactive", "bulk", "scheduled") : lanes;
    partitions = partitions == null ? 12 : partitions;
    replicationFactor = replicationFactor == null ? 1 : replicationFactor;
    if (partitions < 1) {
      throw new IllegalArgumentException("pipeline.kafka.partitions must be at least 1");
    }
    if (!lanes.contains(DEFAULT_LANE)) {
      throw new IllegalArgumentException("pipeline.kafka.lanes must include " + DEFAULT_LANE);
    }
  }

  public String jobsTopic(String lane) {
    return Topics.jobs(topicPrefix, lane);
  }

  public String deadLetterTopic(String lane) {
    return Topics.deadLetters(topicPrefix, lane);
  }
}
