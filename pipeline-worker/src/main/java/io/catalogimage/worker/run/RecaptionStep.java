package io.catalogimage.worker.run;

import io.catalogimage.common.item.ItemRepository;
import io.catalogimage.common.json.Json;
import io.catalogimage.common.storage.ObjectStore;
import io.catalogimage.worker.alttext.CheckedText;
import io.catalogimage.worker.alttext.Source;
import io.catalogimage.worker.claim.ClaimedItem;
import io.catalogimage.worker.claim.PendingRecaption;
import io.catalogimage.worker.provider.SplicedBody;
import io.catalogimage.worker.result.ResultSpool;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A recaption: the caption step alone, on the image the item already has. The stored image is
 * copied into the spool as it is read back (streamed from there into each caption call's body) and
 * the asked locales (never a merchant's) are captioned again through {@link CaptionStep}, so every
 * call waits for its model's budget, holds a breaker permission, reserves against the caps and is a
 * ledger row with purpose {@code caption}. There is no image call on this path at all: a crash
 * leaves the item RUNNING under a lease that runs out, the reclaim queues it again with its
 * recaption, and the next worker captions it again (never generates it).
 *
 * <p>Then the sidecar is rewritten and the item is SUCCEEDED again with the same image and the new
 * texts: a locale's text is replaced only by a caption that passes its checks.
 */
@Component
class RecaptionStep {

  private static final Logger log = LoggerFactory.getLogger(RecaptionStep.class);

  /** How long a recaption waits when the store or the database is away, before trying again. */
  private static final Duration RETRY_AFTER = Duration.ofSeconds(30);

  private final CaptionStep captions;
  private final ObjectStore store;
  private final ResultSpool spool;
  private final ItemRepository items;
  private final ExecutorService io;
  private final Clock clock;

  RecaptionStep(
      CaptionStep captions,
      ObjectStore store,
      ResultSpool spool,
      ItemRepository items,
      @Qualifier("workerIo") ExecutorService io,
      Clock clock) {
    this.captions = captions;
    this.store = store;
    this.spool = spool;
    this.items = items;
    this.io = io;
    this.clock = clock;
  }

  /** Runs the item's recaption to its end; completes when the item left this worker's hands. */
  CompletableFuture<Void> run(Job job) {
    ClaimedItem item = job.item;
    PendingRecaption r = item.recaption();
    Optional<ResultSpool.Held> image;
    try {
      image = spooled(r.imageKey());
    } catch (RuntimeException e) {
      log.warn("{}: its stored image cannot be read now ({}); recaption later", job, e.toString());
      requeue(job, "recaption waits: the object store is away (" + e.getMessage() + ")");
      return CompletableFuture.completedFuture(null);
    }
    Map<String, CheckedText> texts = texts(item, r);
    Set<String> redo = new LinkedHashSet<>(r.locales());
    redo.removeAll(item.merchantAltText().keySet()); // set by the merchant since it was queued
    if (image.isEmpty() || redo.isEmpty()) {
      image.ifPresent(ResultSpool.Held::release);
      end(
          job,
          texts,
          r.caption(),
          image.isEmpty()
              ? "recaption ended without a call: the stored image " + r.imageKey() + " is gone"
              : "recaption ended without a call: the merchant set the text of every asked locale");
      return CompletableFuture.completedFuture(null);
    }
    ResultSpool.Held held = image.get();
    CompletableFuture<CaptionStep.Captioned> captioned;
    try {
      captioned =
          captions.complete(
              job, SplicedBody.Source.of(held), mimeType(r.imageKey()), r.caption(), texts, redo);
    } catch (RuntimeException e) {
      release(job, held);
      throw e;
    }
    return captioned
        .whenComplete((done, failure) -> release(job, held)) // the captions are done with it
        .thenAcceptAsync(c -> stored(job, r, c), io)
        .exceptionally(
            failure -> {
              log.error("{}: recaption failed; its lease will expire", job, failure);
              return null;
            });
  }

  /**
   * The stored image, copied into the spool as it is read (memory chunks, a file beyond the
   * per-image limit; counted in its byte budget while the captions are asked): the caption calls
   * stream it from there, so the worker never holds it whole in an array. Empty when it is gone.
   */
  private Optional<ResultSpool.Held> spooled(String key) {
    Optional<InputStream> object = store.open(key);
    if (object.isEmpty()) {
      return Optional.empty();
    }
    try (InputStream in = object.get();
        ResultSpool.Receiving image = spool.receive()) {
      in.transferTo(image);
      return Optional.of(image.finish());
    } catch (IOException e) {
      throw new UncheckedIOException("reading " + key + " failed", e);
    }
  }

  private static void release(Job job, ResultSpool.Held held) {
    try {
      held.release();
    } catch (RuntimeException e) {
      log.warn("{}: could not release its spooled image: {}", job, e.toString());
    }
  }

  private void stored(Job job, PendingRecaption r, CaptionStep.Captioned captioned) {
    if (job.isLeaseLost()) {
      return; // its new owner captions it again
    }
    if (r.sidecarKey() != null) {
      try {
        rewriteSidecar(r.sidecarKey(), captioned);
      } catch (RuntimeException e) {
        log.warn("{}: could not rewrite its sidecar ({}); recaption later", job, e.toString());
        requeue(job, "recaption waits: the sidecar could not be written (" + e.getMessage() + ")");
        return;
      }
    }
    String note =
        "alt text captioned again for "
            + String.join(", ", r.locales())
            + (captioned.warnings().isEmpty()
                ? ""
                : "; " + String.join("; ", captioned.warnings()));
    end(job, captioned.texts(), captioned.caption(), note);
  }

  private void end(Job job, Map<String, CheckedText> texts, String caption, String note) {
    Map<String, String> byLocale = new LinkedHashMap<>();
    texts.forEach(
        (locale, t) -> {
          if (t.text() != null) {
            byLocale.put(locale, t.text());
          }
        });
    try {
      if (!items.endRecaption(
          job.held(),
          Json.mapper().writeValueAsString(byLocale),
          Json.mapper().writeValueAsString(texts),
          caption,
          note.length() > 2000 ? note.substring(0, 2000) : note,
          clock.instant())) {
        log.info("{}: the recaption's end found the item with another owner", job);
      }
    } catch (RuntimeException e) {
      log.warn("{}: could not end its recaption; its lease will expire", job, e);
    }
  }

  private void requeue(Job job, String note) {
    try {
      items.requeue(
          job.held(),
          new ItemRepository.Requeue(
              clock.instant().plus(RETRY_AFTER), null, null, null, null, note),
          BigDecimal.ZERO,
          clock.instant());
    } catch (RuntimeException e) {
      log.warn("{}: could not hand its recaption back; its lease will expire", job, e);
    }
  }

  /** The item's texts now, per locale of its batch (a locale without one has a null text). */
  static Map<String, CheckedText> texts(ClaimedItem item, PendingRecaption r) {
    JsonNode stored =
        r.altTextChecks() == null
            ? Json.mapper().createObjectNode()
            : Json.mapper().readTree(r.altTextChecks());
    Map<String, CheckedText> out = new LinkedHashMap<>();
    for (String locale : item.altTextLocales()) {
      String merchant = item.merchantAltText().get(locale);
      if (merchant != null) {
        out.put(locale, new CheckedText(merchant, Source.MERCHANT.wire(), Map.of(), Map.of()));
        continue;
      }
      JsonNode e = stored.path(locale);
      if (e.isObject()) {
        out.put(
            locale,
            new CheckedText(
                e.path("text").isString() ? e.path("text").asString() : null,
                e.path("source").isString() ? e.path("source").asString() : null,
                strings(e.path("checks")),
                strings(e.path("problems"))));
      } else {
        out.put(
            locale, new CheckedText(null, null, Map.of("present", CheckedText.FAILED), Map.of()));
      }
    }
    return out;
  }

  private static Map<String, String> strings(JsonNode node) {
    Map<String, String> out = new LinkedHashMap<>();
    if (node.isObject()) {
      node.properties().forEach(p -> out.put(p.getKey(), p.getValue().asString()));
    }
    return out;
  }

  /** The sidecar says what the row says: texts, caption and checks, and when they changed. */
  private void rewriteSidecar(String key, CaptionStep.Captioned captioned) {
    Optional<byte[]> bytes = store.get(key);
    ObjectNode sidecar =
        bytes.isPresent() && Json.mapper().readTree(bytes.get()) instanceof ObjectNode o
            ? o
            : Json.mapper().createObjectNode();
    ObjectNode alt = sidecar.putObject("altText");
    captioned.byLocale().forEach(alt::put);
    if (captioned.caption() != null) {
      sidecar.put("caption", captioned.caption());
    }
    sidecar.set("altTextChecks", Json.mapper().valueToTree(captioned.texts()));
    sidecar.put("altTextRecaptionedAt", clock.instant().toString());
    store.put(
        key,
        Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(sidecar),
        "application/json");
  }

  private static String mimeType(String key) {
    String k = key.toLowerCase(java.util.Locale.ROOT);
    if (k.endsWith(".jpg") || k.endsWith(".jpeg")) {
      return "image/jpeg";
    }
    return k.endsWith(".webp") ? "image/webp" : "image/png";
  }
}
