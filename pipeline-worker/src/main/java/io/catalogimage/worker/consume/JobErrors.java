package io.catalogimage.worker.consume;

import io.catalogimage.common.id.ItemId;
import io.catalogimage.common.item.ItemRepository;
import io.catalogimage.common.message.GenerateImage;
import io.catalogimage.common.message.GenerateImageSerializer;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.RecoverableDataAccessException;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.kafka.core.KafkaOperations;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.CommonErrorHandler;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.transaction.CannotCreateTransactionException;
import org.springframework.util.backoff.BackOff;
import org.springframework.util.backoff.ExponentialBackOff;
import org.springframework.util.backoff.FixedBackOff;

/**
 * What the job consumers do when processing records fails (the listener itself holds no retry
 * logic). The database being away is retried with backoff for as long as it lasts: the records wait
 * on their partition, nothing is skipped. Anything else (a record whose item cannot be read or
 * claimed) is retried twice, then the record goes to {@code <topic>.dlt} on its own partition with
 * Spring's diagnostic headers (exception, message, stack trace, original topic, partition and
 * offset) and its item ends FAILED with the reason, instead of waiting for a re-dispatch that would
 * fail the same way.
 */
public final class JobErrors {

  private static final Logger log = LoggerFactory.getLogger(JobErrors.class);

  private JobErrors() {}

  /** The dead-letter topic of a jobs topic: {@code <topic>.dlt}, which the api creates. */
  static String deadLetterTopic(String topic) {
    return topic + ".dlt";
  }

  /**
   * Publishes to {@code <topic>.dlt}: a record that could not be read as its raw bytes, a job
   * record that could not be processed re-serialized as the job it is.
   */
  public static DeadLetterPublishingRecoverer deadLetters(KafkaTemplate<Object, Object> bytes) {
    KafkaTemplate<Object, Object> jobs =
        new KafkaTemplate<>(
            bytes.getProducerFactory(),
            Map.of(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, GenerateImageSerializer.class));
    Map<Class<?>, KafkaOperations<?, ?>> templates = new LinkedHashMap<>();
    templates.put(byte[].class, bytes);
    templates.put(GenerateImage.class, jobs);
    return new DeadLetterPublishingRecoverer(
        templates,
        (record, e) -> new TopicPartition(deadLetterTopic(record.topic()), record.partition()));
  }

  static CommonErrorHandler handler(
      DeadLetterPublishingRecoverer deadLetters, ItemRepository items, Clock clock) {
    DefaultErrorHandler handler =
        new DefaultErrorHandler(
            (record, e) -> {
              deadLetters.accept(record, e);
              failItem(record, e, items, clock);
            },
            new FixedBackOff(1000, 2));
    ExponentialBackOff untilBack = new ExponentialBackOff(500, 2.0);
    untilBack.setMaxInterval(10_000);
    untilBack.setMaxElapsedTime(Long.MAX_VALUE);
    handler.setBackOffFunction((record, e) -> isTransient(e) ? untilBack : (BackOff) null);
    return handler;
  }

  /** A failure that says nothing about the record: the database or the network is away. */
  static boolean isTransient(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof TransientDataAccessException
          || t instanceof DataAccessResourceFailureException
          || t instanceof RecoverableDataAccessException
          || t instanceof CannotCreateTransactionException
          || t instanceof java.sql.SQLTransientException
          || t instanceof java.sql.SQLRecoverableException
          || t instanceof java.net.ConnectException) {
        return true;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return false;
  }

  private static void failItem(
      ConsumerRecord<?, ?> record, Exception e, ItemRepository items, Clock clock) {
    ItemId item = null;
    if (record.value() instanceof GenerateImage job) {
      item = job.itemId();
    } else if (record.key() != null) {
      try {
        item = new ItemId(UUID.fromString(record.key().toString()));
      } catch (IllegalArgumentException notAnItem) {
        return;
      }
    }
    if (item == null) {
      return;
    }
    Throwable cause = e;
    while (cause.getCause() != null && cause.getCause() != cause) {
      cause = cause.getCause();
    }
    try {
      boolean failed =
          items.failUnprocessable(
              item,
              "its job could not be processed: " + cause,
              deadLetterTopic(record.topic()),
              clock.instant());
      log.warn(
          "record {}-{}@{} for {} went to the dead-letter topic{}: {}",
          record.topic(),
          record.partition(),
          record.offset(),
          item,
          failed ? " and the item is FAILED" : "",
          cause.toString());
    } catch (RuntimeException dbDown) {
      log.warn("could not mark {} failed; it will be re-dispatched: {}", item, dbDown.toString());
    }
  }
}
