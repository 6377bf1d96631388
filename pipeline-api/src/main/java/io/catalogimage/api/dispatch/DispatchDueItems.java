package io.catalogimage.api.dispatch;

import io.catalogimage.api.budget.PeakHours;
import io.catalogimage.common.loop.PollingLoop;
import io.catalogimage.common.loop.RunsInLoop;
import io.catalogimage.common.message.GenerateImage;
import io.catalogimage.common.message.JobTopics;
import io.catalogimage.common.message.KafkaTopicsProperties;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.support.SendResult;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The outbox relay: publishes committed, due items to their lane's topic and marks them dispatched,
 * in one database transaction per chunk. A record is marked only after Kafka acknowledged it; if
 * Kafka is down the transaction rolls back, the items stay QUEUED and go out when Kafka is back. A
 * crash between acknowledgement and commit sends a record twice, which is harmless: a worker claims
 * an item only from DISPATCHED.
 */
@Component
public class DispatchDueItems implements RunsInLoop {

  private static final Logger log = LoggerFactory.getLogger(DispatchDueItems.class);

  private final DispatchRepository repository;
  private final KafkaTemplate<String, GenerateImage> kafka;
  private final JobTopics topics;
  private final KafkaTopicsProperties topicProps;
  private final DispatchProperties props;
  private final TransactionTemplate tx;
  private final Clock clock;
  private final PeakHours peak;
  private final PollingLoop loop;

  DispatchDueItems(
      DispatchRepository repository,
      KafkaTemplate<String, GenerateImage> kafka,
      JobTopics topics,
      KafkaTopicsProperties topicProps,
      DispatchProperties props,
      TransactionTemplate tx,
      PeakHours peak,
      Clock clock) {
    this.peak = peak;
    this.repository = repository;
    this.kafka = kafka;
    this.topics = topics;
    this.topicProps = topicProps;
    this.props = props;
    this.tx = tx;
    this.clock = clock;
    this.loop = new PollingLoop("DispatchDueItems", props.pollInterval(), this::dispatchOnce);
  }

  /** Runs a pass now instead of at the next interval (e.g. right after a batch is accepted). */
  public void wake() {
    loop.wake();
  }

  boolean dispatchOnce() throws Exception {
    topics.ensureCreated();
    boolean more = false;
    for (String lane : topicProps.lanes()) {
      more |= dispatchLane(lane);
    }
    return more;
  }

  private boolean dispatchLane(String lane) {
    long room = props.maxOutstandingPerLane() - repository.outstanding(lane);
    if (room <= 0) {
      return false;
    }
    int limit = (int) Math.min(props.batchSize(), room);
    Integer sent = tx.execute(status -> publishChunk(lane, limit));
    return sent != null && sent == limit;
  }

  private int publishChunk(String lane, int limit) {
    Instant now = clock.instant();
    Instant peakEnd = peak.defers(lane) ? peak.currentWindowEnd(now).orElse(null) : null;
    List<DispatchRepository.DueItem> due =
        peakEnd == null
            ? repository.lockDue(lane, now, limit)
            : repository.lockDueUrgent(lane, now, props.urgentBefore(peakEnd), limit);
    if (due.isEmpty()) {
      return 0;
    }
    String topic = topicProps.jobsTopic(lane);
    List<CompletableFuture<SendResult<String, GenerateImage>>> acks =
        due.stream()
            .map(
                d ->
                    kafka.send(
                        topic,
                        d.item().toString(),
                        GenerateImage.of(d.tenant(), d.batch(), d.item(), now)))
            .toList();
    try {
      CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new))
          .get(props.sendTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(
          "Kafka did not acknowledge " + due.size() + " records on " + topic + ": " + e, e);
    }
    repository.markDispatched(due.stream().map(DispatchRepository.DueItem::item).toList(), now);
    log.debug("dispatched {} items to {}", due.size(), topic);
    return due.size();
  }

  @Override
  public PollingLoop loop() {
    return loop;
  }
}
