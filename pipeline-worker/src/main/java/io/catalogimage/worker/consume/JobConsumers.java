package io.catalogimage.worker.consume;

import io.catalogimage.common.id.ItemId;
import io.catalogimage.common.item.ItemRepository;
import io.catalogimage.common.item.ItemState;
import io.catalogimage.common.message.GenerateImage;
import io.catalogimage.common.message.KafkaTopicsProperties;
import io.catalogimage.worker.WorkerProperties;
import io.catalogimage.worker.claim.ItemClaims;
import io.catalogimage.worker.run.GenerateImages;
import io.catalogimage.worker.run.Phases;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.commons.logging.LogFactory;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.core.log.LogAccessor;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.kafka.config.ConcurrentKafkaListenerContainerFactory;
import org.springframework.kafka.listener.BatchListenerFailedException;
import org.springframework.kafka.listener.BatchMessageListener;
import org.springframework.kafka.listener.CommonErrorHandler;
import org.springframework.kafka.listener.ConcurrentMessageListenerContainer;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;
import org.springframework.kafka.support.serializer.DeserializationException;
import org.springframework.kafka.support.serializer.SerializationUtils;
import org.springframework.stereotype.Component;

/**
 * One Kafka listener container per lane. The api creates the topics; until it has, the consumers
 * wait for them (metadata is refreshed every 10 s). A poll's records are claimed in one statement
 * and handed to {@link GenerateImages}; the listener returns at once, so no consumer thread ever
 * waits for a provider. When the runner is full the containers pause (they keep heartbeating, fetch
 * nothing) and resume when it has drained. A record that cannot be read goes to the lane's
 * dead-letter topic with the reason in its headers. When claiming fails, the {@link JobErrors error
 * handler} decides: the database away is waited out, a record that cannot be processed goes to the
 * dead-letter topic (the failing record alone: the poll is claimed one record at a time to find
 * it).
 */
@Component
public class JobConsumers implements SmartLifecycle {

  private static final Logger log = LoggerFactory.getLogger(JobConsumers.class);
  private static final LogAccessor SPRING_LOG =
      new LogAccessor(LogFactory.getLog(JobConsumers.class));

  private static final String NOTE_DEAD_LETTER =
      "UPDATE items SET note = :note WHERE item_id = :item AND state = 'DISPATCHED'";

  private final ConcurrentKafkaListenerContainerFactory<String, GenerateImage> factory;
  private final KafkaTopicsProperties topics;
  private final WorkerProperties props;
  private final ItemClaims claims;
  private final GenerateImages runner;
  private final DeadLetterPublishingRecoverer deadLetters;
  private final CommonErrorHandler errorHandler;
  private final ItemRepository items;
  private final JdbcClient jdbc;
  private final Clock clock;
  private final List<ConcurrentMessageListenerContainer<String, GenerateImage>> containers =
      new ArrayList<>();
  private volatile boolean running;

  public JobConsumers(
      ConcurrentKafkaListenerContainerFactory<String, GenerateImage> factory,
      KafkaTopicsProperties topics,
      WorkerProperties props,
      ItemClaims claims,
      GenerateImages runner,
      DeadLetterPublishingRecoverer deadLetters,
      ItemRepository items,
      JdbcClient jdbc,
      Clock clock) {
    this.errorHandler = JobErrors.handler(deadLetters, items, clock);
    this.items = items;
    this.factory = factory;
    this.topics = topics;
    this.props = props;
    this.claims = claims;
    this.runner = runner;
    this.deadLetters = deadLetters;
    this.jdbc = jdbc;
    this.clock = clock;
  }

  void onRecords(List<ConsumerRecord<String, GenerateImage>> records) {
    List<ItemId> items = new ArrayList<>(records.size());
    for (ConsumerRecord<String, GenerateImage> record : records) {
      if (record.value() == null) {
        deadLetter(record);
      } else {
        items.add(record.value().itemId());
      }
    }
    Instant now = clock.instant();
    ItemClaims.Claimed claimed;
    try {
      claimed = claims.claim(items, props.id(), now, now.plus(props.leaseDuration()));
    } catch (RuntimeException e) {
      if (JobErrors.isTransient(e) || records.size() == 1) {
        // nothing was claimed: the whole poll is tried again (the error handler waits)
        throw new BatchListenerFailedException("claiming failed", e, 0);
      }
      claimOneByOne(records);
      return;
    }
    int taken = claimed.items().size() + claimed.unreadable().size();
    if (taken < items.size()) {
      log.debug(
          "{} of {} records were for items not DISPATCHED any more",
          items.size() - taken,
          items.size());
    }
    runner.accept(claimed.items());
    unreadable(claimed.unreadable(), records);
  }

  /**
   * Items claimed whose stored data cannot be read: they would only run out their lease again and
   * again, so they end FAILED with the reason, and their records go to the dead-letter topic.
   */
  private void unreadable(
      List<ItemClaims.Unreadable> unreadable, List<ConsumerRecord<String, GenerateImage>> records) {
    for (ItemClaims.Unreadable u : unreadable) {
      try {
        items.finish(
            new ItemRepository.Held(u.item(), props.id(), u.version()),
            ItemState.FAILED,
            "UNPROCESSABLE",
            "its stored data cannot be read: " + u.reason(),
            "its job record went to the dead-letter topic",
            java.math.BigDecimal.ZERO,
            clock.instant());
      } catch (RuntimeException e) {
        log.warn("could not fail unreadable {}; its lease will expire", u.item(), e);
      }
      records.stream()
          .filter(r -> r.value() != null && r.value().itemId().equals(u.item()))
          .findFirst()
          .ifPresent(
              r -> {
                log.warn(
                    "{} cannot be read ({}): record to the dead-letter topic",
                    u.item(),
                    u.reason());
                deadLetters.accept(r, new IllegalStateException(u.reason()));
              });
    }
  }

  /**
   * A poll whose claim failed for a reason other than the database being away: claimed record by
   * record, so that the error handler learns which record fails (the ones before it are done).
   */
  private void claimOneByOne(List<ConsumerRecord<String, GenerateImage>> records) {
    for (int i = 0; i < records.size(); i++) {
      ConsumerRecord<String, GenerateImage> record = records.get(i);
      if (record.value() == null) {
        continue; // already sent to the dead-letter topic
      }
      Instant now = clock.instant();
      try {
        ItemClaims.Claimed one =
            claims.claim(
                List.of(record.value().itemId()), props.id(), now, now.plus(props.leaseDuration()));
        runner.accept(one.items());
        unreadable(one.unreadable(), records);
      } catch (RuntimeException e) {
        throw new BatchListenerFailedException(
            "claiming " + record.value().itemId() + " failed", e, i);
      }
    }
  }

  private void deadLetter(ConsumerRecord<String, GenerateImage> record) {
    DeserializationException e =
        SerializationUtils.getExceptionFromHeader(
            record, SerializationUtils.VALUE_DESERIALIZER_EXCEPTION_HEADER, SPRING_LOG);
    Exception reason = e != null ? e : new IllegalArgumentException("empty record");
    log.warn(
        "unreadable record {}-{}@{} sent to the dead-letter topic: {}",
        record.topic(),
        record.partition(),
        record.offset(),
        reason.getMessage());
    deadLetters.accept(record, reason);
    try {
      jdbc.sql(NOTE_DEAD_LETTER)
          .param(
              "note",
              "a job record for this item was unreadable and went to "
                  + record.topic()
                  + ".dlt; it will be sent again")
          .param("item", UUID.fromString(record.key()))
          .update();
    } catch (RuntimeException notAnItem) {
      // the key is not an item id: nothing to annotate
    }
  }

  private void capacityChanged(boolean hasRoom) {
    for (var container : containers) {
      if (hasRoom) {
        container.resume();
      } else {
        container.pause();
      }
    }
    log.debug(
        hasRoom ? "resumed consumption" : "paused consumption: {} items held",
        runner.heldItems().size());
  }

  @Override
  public void start() {
    runner.onCapacityChange(this::capacityChanged);
    for (String lane : topics.lanes()) {
      ConcurrentMessageListenerContainer<String, GenerateImage> container =
          factory.createContainer(topics.jobsTopic(lane));
      container.getContainerProperties().setGroupId(props.groupId());
      container
          .getContainerProperties()
          .setMessageListener((BatchMessageListener<String, GenerateImage>) this::onRecords);
      container.setBeanName("jobs-" + lane);
      container.setCommonErrorHandler(errorHandler);
      container.start();
      containers.add(container);
    }
    running = true;
  }

  @Override
  public void stop() {
    containers.forEach(ConcurrentMessageListenerContainer::stop);
    containers.clear();
    running = false;
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  @Override
  public int getPhase() {
    return Phases.CONSUME;
  }
}
