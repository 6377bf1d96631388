package io.catalogimage.worker.ops;

import io.catalogimage.common.item.ItemState;
import io.catalogimage.common.message.KafkaTopicsProperties;
import io.catalogimage.common.message.Topics;
import io.catalogimage.worker.WorkerProperties;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.stereotype.Component;

/**
 * Gauges of the whole pipeline rather than of this worker: items by state (from the per-batch
 * counters the item changes keep, not a count of items), the webhook outbox, and per lane the
 * workers' consumer lag and the dead-letter depth. Read when scraped, at most once per {@link
 * #FRESH} whatever the number of gauges and scrapers; a failed read keeps the last values and says
 * so in {@code pipeline_gauges_stale}.
 */
@Component
public class ClusterGauges implements DisposableBean {

  private static final Logger log = LoggerFactory.getLogger(ClusterGauges.class);
  static final Duration FRESH = Duration.ofSeconds(5);
  private final JdbcClient jdbc;
  private final KafkaAdmin kafkaAdmin;
  private final KafkaTopicsProperties topics;
  private final String groupId;
  private volatile Admin admin;
  private volatile Snapshot snapshot = Snapshot.EMPTY;
  private volatile long readAt;

  record Snapshot(
      Map<String, Long> itemsByState,
      long outboxPending,
      Map<String, Long> lagByLane,
      Map<String, Long> deadLettersByLane,
      boolean stale) {
    static final Snapshot EMPTY = new Snapshot(Map.of(), 0, Map.of(), Map.of(), true);
  }

  public ClusterGauges(
      JdbcClient jdbc,
      KafkaAdmin kafkaAdmin,
      KafkaTopicsProperties topics,
      WorkerProperties worker,
      MeterRegistry meters) {
    this.jdbc = jdbc;
    this.kafkaAdmin = kafkaAdmin;
    this.topics = topics;
    this.groupId = worker.groupId();
    for (ItemState state : ItemState.values()) {
      gauge(
          meters,
          "pipeline.items",
          "items by state, all batches (from the batch counters)",
          s -> s.itemsByState().getOrDefault(state.name(), 0L),
          "state",
          state.name());
    }
    gauge(
        meters,
        "pipeline.webhooks.outbox",
        "webhook events not delivered yet",
        Snapshot::outboxPending);
    for (String lane : topics.lanes()) {
      gauge(
          meters,
          "pipeline.kafka.lag",
          "job records the workers' group has not consumed yet",
          s -> s.lagByLane().getOrDefault(lane, 0L),
          "lane",
          lane);
      gauge(
          meters,
          "pipeline.kafka.dead_letters",
          "records on the lane's dead-letter topic",
          s -> s.deadLettersByLane().getOrDefault(lane, 0L),
          "lane",
          lane);
    }
    gauge(
        meters,
        "pipeline.gauges.stale",
        "1 when the last read of these gauges failed (the values are older)",
        s -> s.stale() ? 1 : 0);
  }

  private void gauge(
      MeterRegistry meters,
      String name,
      String description,
      ToDoubleFunction<Snapshot> value,
      String... tags) {
    Gauge.builder(name, this, g -> value.applyAsDouble(g.current()))
        .tags(tags)
        .description(description)
        .register(meters);
  }

  private synchronized Snapshot current() {
    long now = System.nanoTime();
    if (readAt != 0 && now - readAt < FRESH.toNanos()) {
      return snapshot;
    }
    readAt = now;
    try {
      snapshot = read();
    } catch (RuntimeException e) {
      log.warn("could not read the pipeline's gauges: {}", e.toString());
      Snapshot last = snapshot;
      snapshot =
          new Snapshot(
              last.itemsByState(),
              last.outboxPending(),
              last.lagByLane(),
              last.deadLettersByLane(),
              true);
    }
    return snapshot;
  }

  private Snapshot read() {
    Map<String, Long> states = new HashMap<>();
    jdbc.sql("SELECT state, sum(n) AS n FROM batch_item_counts GROUP BY state")
        .query(
            rs -> {
              states.put(rs.getString("state"), rs.getLong("n"));
            });
    long outbox =
        jdbc.sql("SELECT count(*) FROM webhook_events WHERE state = 'PENDING'")
            .query(Long.class)
            .single();
    Map<String, Long> lag = new HashMap<>();
    Map<String, Long> dead = new HashMap<>();
    try {
      readKafka(lag, dead);
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      throw new IllegalStateException("Kafka offsets unreadable: " + e, e);
    }
    return new Snapshot(Map.copyOf(states), outbox, lag, dead, false);
  }

  private void readKafka(Map<String, Long> lag, Map<String, Long> dead) throws Exception {
    Admin client = admin();
    Map<TopicPartition, OffsetAndMetadata> committed =
        client
            .listConsumerGroupOffsets(groupId)
            .partitionsToOffsetAndMetadata()
            .get(5, TimeUnit.SECONDS);
    for (String lane : topics.lanes()) {
      String jobs = Topics.jobs(topics.topicPrefix(), lane);
      String dlt = Topics.deadLetters(topics.topicPrefix(), lane);
      Map<String, TopicDescription> described =
          client.describeTopics(List.of(jobs, dlt)).allTopicNames().get(5, TimeUnit.SECONDS);
      Map<TopicPartition, Long> jobEnds = offsets(client, described.get(jobs), OffsetSpec.latest());
      long laneLag = 0;
      for (var end : jobEnds.entrySet()) {
        OffsetAndMetadata done = committed.get(end.getKey());
        laneLag += Math.max(0, end.getValue() - (done == null ? 0 : done.offset()));
      }
      lag.put(lane, laneLag);
      Map<TopicPartition, Long> dltEnds = offsets(client, described.get(dlt), OffsetSpec.latest());
      Map<TopicPartition, Long> dltStarts =
          offsets(client, described.get(dlt), OffsetSpec.earliest());
      long depth = 0;
      for (var end : dltEnds.entrySet()) {
        depth += end.getValue() - dltStarts.getOrDefault(end.getKey(), 0L);
      }
      dead.put(lane, depth);
    }
  }

  private static Map<TopicPartition, Long> offsets(
      Admin client, TopicDescription topic, OffsetSpec spec) throws Exception {
    Map<TopicPartition, OffsetSpec> request = new HashMap<>();
    topic
        .partitions()
        .forEach(p -> request.put(new TopicPartition(topic.name(), p.partition()), spec));
    Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> answer =
        client.listOffsets(request).all().get(5, TimeUnit.SECONDS);
    Map<TopicPartition, Long> result = new HashMap<>();
    answer.forEach((tp, info) -> result.put(tp, info.offset()));
    return result;
  }

  private Admin admin() {
    if (admin == null) {
      Map<String, Object> config = new HashMap<>(kafkaAdmin.getConfigurationProperties());
      config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 4000);
      config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5000);
      admin = Admin.create(config);
    }
    return admin;
  }

  @Override
  public void destroy() {
    if (admin != null) {
      admin.close(Duration.ofSeconds(2));
    }
  }
}
