package io.catalogimage.api.webhook;

import io.catalogimage.common.id.TenantId;
import io.catalogimage.common.loop.PollingLoop;
import io.catalogimage.common.loop.RunsInLoop;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Delivers queued events: claims due ones (a lease, so that api instances share the work and a
 * crash mid-delivery only delays a retry), posts each signed to its URL, and logs every attempt. A
 * 2xx answer delivers; anything else (a redirect included: they are not followed) waits for the
 * next step of the retry schedule, and after the last one the event is FAILED.
 */
@Component
class DeliverWebhooks implements RunsInLoop {

  private static final Logger log = LoggerFactory.getLogger(DeliverWebhooks.class);

  private static final String CLAIM =
      """
      UPDATE webhook_events e SET attempts = e.attempts + 1, next_attempt_at = :leaseUntil
       WHERE e.event_id IN (SELECT event_id FROM webhook_events
                             WHERE state = 'PENDING' AND next_attempt_at <= :now
                             ORDER BY next_attempt_at LIMIT :limit FOR UPDATE SKIP LOCKED)
      RETURNING e.event_id, e.tenant_id, e.url, e.body, e.attempts
      """;

  private static final String LOG_ATTEMPT =
      """
      INSERT INTO webhook_attempts (event_id, attempt_no, attempted_at, status_code, error,
                                    duration_ms)
      VALUES (:id, :attempt, :at, :status, :error, :ms)
      ON CONFLICT DO NOTHING
      """;

  private static final String DELIVERED =
      """
      UPDATE webhook_events SET state = 'DELIVERED', delivered_at = :now, last_error = NULL
       WHERE event_id = :id AND attempts = :attempt
      """;

  private static final String RETRY_OR_FAIL =
      """
      UPDATE webhook_events
         SET state = CASE WHEN :last THEN 'FAILED' ELSE 'PENDING' END,
             next_attempt_at = :next, last_error = :error
       WHERE event_id = :id AND attempts = :attempt
      """;

  private record Due(String id, TenantId tenant, String url, String body, int attempt) {}

  private record Outcome(Integer status, String error, long millis) {
    boolean delivered() {
      return status != null && status >= 200 && status < 300;
    }
  }

  private final JdbcClient jdbc;
  private final WebhookSecrets secrets;
  private final CallbackUrls urls;
  private final WebhookProperties props;
  private final Clock clock;
  private final HttpClient http;
  private final ExecutorService senders;
  private final Semaphore freeSenders;
  private final PollingLoop loop;

  DeliverWebhooks(
      JdbcClient jdbc,
      WebhookSecrets secrets,
      CallbackUrls urls,
      WebhookProperties props,
      Clock clock) {
    this.jdbc = jdbc;
    this.secrets = secrets;
    this.urls = urls;
    this.props = props;
    this.clock = clock;
    this.http =
        HttpClient.newBuilder()
            .connectTimeout(props.timeout())
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
    this.senders =
        Executors.newFixedThreadPool(
            props.concurrency(),
            r -> {
              Thread t = new Thread(r, "webhook-sender");
              t.setDaemon(true);
              return t;
            });
    this.freeSenders = new Semaphore(props.concurrency());
    this.loop = new PollingLoop("DeliverWebhooks", props.pollInterval(), this::deliverDue);
  }

  /**
   * Claims as many due events as there are free senders and hands them over without waiting, so
   * that one slow receiver holds one sender, not the whole round; true when there may be more.
   */
  boolean deliverDue() {
    int free = freeSenders.availablePermits();
    if (free == 0) {
      return false; // a sender that finishes wakes the loop
    }
    Instant now = clock.instant();
    List<Due> due =
        jdbc.sql(CLAIM)
            .param("now", Timestamp.from(now))
            // long enough for the slowest answer; a crash mid-delivery retries after it
            .param("leaseUntil", Timestamp.from(now.plus(props.timeout().multipliedBy(3))))
            .param("limit", free)
            .query(
                (rs, i) ->
                    new Due(
                        rs.getString("event_id"),
                        new TenantId(rs.getObject("tenant_id", UUID.class)),
                        rs.getString("url"),
                        rs.getString("body"),
                        rs.getInt("attempts")))
            .list();
    for (Due d : due) {
      freeSenders.acquireUninterruptibly();
      senders.execute(
          () -> {
            try {
              Instant at = clock.instant();
              record(d, at, send(d));
            } catch (RuntimeException e) {
              // the lease runs out and the event is tried again
              log.warn("webhook {} could not be delivered or recorded: {}", d.id(), e.toString());
            } finally {
              freeSenders.release();
              loop.wake();
            }
          });
    }
    return due.size() == free;
  }

  private Outcome send(Due d) {
    long start = System.nanoTime();
    Optional<String> refused = urls.refusal(d.url());
    if (refused.isPresent()) {
      return new Outcome(null, "not sent: the URL " + refused.get(), 0);
    }
    // the receiver checks the timestamp against its own clock: always the real time
    long timestamp = Instant.now().getEpochSecond();
    // one signature per secret that signs now (two for a while after a rotation)
    String signature =
        secrets.signing(d.tenant()).stream()
            .map(secret -> WebhookSignature.sign(secret, d.id(), timestamp, d.body()))
            .collect(Collectors.joining(" "));
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(d.url()))
            .timeout(props.timeout())
            .header("content-type", "application/json")
            .header("user-agent", "catalog-image-pipeline-webhooks/1")
            .header("webhook-id", d.id())
            .header("webhook-timestamp", Long.toString(timestamp))
            .header("webhook-signature", signature)
            .POST(HttpRequest.BodyPublishers.ofString(d.body()))
            .build();
    try {
      HttpResponse<Void> response = http.send(request, HttpResponse.BodyHandlers.discarding());
      int status = response.statusCode();
      return new Outcome(
          status, status >= 200 && status < 300 ? null : "answered HTTP " + status, elapsed(start));
    } catch (IOException e) {
      return new Outcome(
          null, e.getClass().getSimpleName() + ": " + e.getMessage(), elapsed(start));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Outcome(null, "interrupted (the api stopped)", elapsed(start));
    }
  }

  private static long elapsed(long startNanos) {
    return (System.nanoTime() - startNanos) / 1_000_000;
  }

  private void record(Due d, Instant at, Outcome o) {
    jdbc.sql(LOG_ATTEMPT)
        .param("id", d.id())
        .param("attempt", d.attempt())
        .param("at", Timestamp.from(at))
        .param("status", o.status())
        .param("error", o.error())
        .param("ms", (int) Math.min(Integer.MAX_VALUE, o.millis()))
        .update();
    Instant now = clock.instant();
    if (o.delivered()) {
      jdbc.sql(DELIVERED)
          .param("id", d.id())
          .param("attempt", d.attempt())
          .param("now", Timestamp.from(now))
          .update();
      return;
    }
    boolean last = d.attempt() >= props.maxAttempts();
    Duration wait = last ? Duration.ZERO : props.retrySchedule().get(d.attempt() - 1);
    jdbc.sql(RETRY_OR_FAIL)
        .param("last", last)
        .param("next", Timestamp.from(now.plus(wait)))
        .param("error", o.error())
        .param("id", d.id())
        .param("attempt", d.attempt())
        .update();
    if (last) {
      log.warn(
          "webhook {} to {} failed for good after {} attempts: {}",
          d.id(),
          d.url(),
          d.attempt(),
          o.error());
    }
  }

  @Override
  public PollingLoop loop() {
    return loop;
  }

  @Override
  public void stop() {
    loop.stop();
    senders.shutdownNow();
  }
}
