package io.catalogimage.worker.run;

import io.catalogimage.common.item.ItemRepository;
import io.catalogimage.common.item.ItemState;
import io.catalogimage.common.model.Dimensions;
import io.catalogimage.common.model.ImageModel;
import io.catalogimage.common.model.ModelCatalog;
import io.catalogimage.worker.claim.ClaimedItem;
import io.catalogimage.worker.ledger.AttemptResult;
import io.catalogimage.worker.ledger.CapReservations;
import io.catalogimage.worker.ledger.ItemChange;
import io.catalogimage.worker.ledger.Ledger;
import io.catalogimage.worker.provider.GenerationRequest;
import io.catalogimage.worker.provider.ImageProvider;
import io.catalogimage.worker.provider.Providers;
import io.catalogimage.worker.reference.ReferenceImages;
import io.catalogimage.worker.result.ResultProperties;
import io.catalogimage.worker.result.ResultSpool;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.springframework.stereotype.Component;
import org.springframework.util.unit.DataSize;

/**
 * The reserve step for the batch lane: the same request, cost reservation (at the batch rate) and
 * IN_FLIGHT attempt as a real-time call, for an item the batch lane holds, so that a line of a
 * provider job is in the ledger before the provider hears of it.
 */
@Component
public class BatchCalls {

  /** An item ready to go out in a provider job: held at {@code held}, its attempt recorded. */
  public record Prepared(
      ClaimedItem item,
      ItemRepository.Held held,
      String model,
      int attempt,
      GenerationRequest request,
      BigDecimal reserved,
      CapReservations.Reservation reservation,
      Instant started) {}

  private final ModelCatalog catalog;
  private final Providers providers;
  private final ReferenceImages referenceImages;
  private final CapReservations caps;
  private final Ledger ledger;
  private final ItemRepository items;
  private final Clock clock;
  private final ResultSpool photos;

  BatchCalls(
      ModelCatalog catalog,
      Providers providers,
      ReferenceImages referenceImages,
      CapReservations caps,
      Ledger ledger,
      ItemRepository items,
      Clock clock,
      ResultProperties results) {
    this.catalog = catalog;
    this.providers = providers;
    this.referenceImages = referenceImages;
    this.caps = caps;
    this.ledger = ledger;
    this.items = items;
    this.clock = clock;
    // the photos of lines waiting to be packed go to files in the spool's directory: a claim
    // holds up to 4 x max-lines-per-job of them, which the heap could not
    this.photos =
        new ResultSpool(
            new ResultProperties(
                DataSize.ofBytes(0),
                results.spoolDir(),
                null,
                null,
                DataSize.ofBytes(0),
                DataSize.ofBytes(Long.MAX_VALUE)));
  }

  /**
   * Builds the request and records the attempt; empty when the item ended here (photo refused, cap
   * reached: moved accordingly) or is no longer ours.
   */
  public Optional<Prepared> prepare(
      ClaimedItem item, String worker, String model, ImageProvider endpoint) {
    ItemRepository.Held held = new ItemRepository.Held(item.id(), worker, item.version());
    ImageModel imageModel = catalog.require(model);
    Dimensions expected =
        imageModel.dimensions(item.variant().size(), item.variant().aspectRatio()).orElse(null);
    String prompt = PromptComposer.compose(item);
    List<GenerationRequest.ReferenceImage> references = List.of();
    Instant now = clock.instant();
    if (item.referenceImage() != null) {
      ReferenceImages.Fetched fetched = referenceImages.fetch(item.tenant(), item.referenceImage());
      if (fetched instanceof ReferenceImages.Refused refused) {
        items.finish(
            held,
            ItemState.FAILED,
            "REFERENCE_IMAGE",
            refused.reason(),
            null,
            BigDecimal.ZERO,
            now);
        return Optional.empty();
      }
      // the batch lane keeps its lines until the job is submitted: on disk, outside the budget
      references = List.of(((ReferenceImages.Image) fetched).image().movedTo(photos));
    }
    GenerationRequest request =
        new GenerationRequest(
            model,
            prompt,
            item.variant().aspectRatio(),
            item.variant().size(),
            expected,
            item.altTextLocales(),
            references);
    BigDecimal reserved =
        providers
            .estimate(
                endpoint,
                model,
                item.variant().size(),
                PromptComposer.estimateTokens(prompt),
                references.size())
            .multiply(io.catalogimage.common.pricing.Price.BATCH_FACTOR)
            .setScale(6, java.math.RoundingMode.HALF_UP);
    CapReservations.Answer money = caps.reserve(item, reserved, now);
    if (money instanceof CapReservations.Refused refused) {
      caps.stopAtCap(held, item, refused, reserved, now);
      return Optional.empty();
    }
    CapReservations.Reservation reservation = ((CapReservations.Reserved) money).reservation();
    Optional<Integer> attempt =
        caps.begin(
            held, endpoint.endpoint(), model, reservation, "batch lane", Ledger.PURPOSE_IMAGE, now);
    if (attempt.isEmpty()) {
      items.cancelIfBatchCancelled(held, now);
      return Optional.empty();
    }
    return Optional.of(
        new Prepared(
            item,
            held.withVersion(held.version() + 1),
            model,
            attempt.get(),
            request,
            reserved,
            reservation,
            now));
  }

  /**
   * The request an item's line stood for, rebuilt to read the line's answer (reference photos are
   * not fetched again: reading an answer does not need them).
   */
  /** Bytes of reference photos held on disk for lines not yet submitted (0 between packs). */
  public long photoBytesWaiting() {
    return photos.bytesPending();
  }

  public GenerationRequest requestFor(ClaimedItem item, String model) {
    ImageModel imageModel = catalog.require(model);
    return new GenerationRequest(
        model,
        PromptComposer.compose(item),
        item.variant().aspectRatio(),
        item.variant().size(),
        imageModel.dimensions(item.variant().size(), item.variant().aspectRatio()).orElse(null),
        item.altTextLocales(),
        List.of());
  }

  /**
   * The provider refused or never answered the submit: the attempt is settled without cost (no job
   * exists, nothing was billed) and the item waits {@code retryIn} in the queue.
   */
  public void submitFailed(Prepared p, String message, boolean permanent, Duration retryIn) {
    Instant now = clock.instant();
    ledger.settle(
        p.held(),
        p.attempt(),
        new AttemptResult(
            permanent ? "REJECTED" : "SERVER_ERROR",
            "provider batch job not created; the item waits and is packed again",
            null,
            0,
            message,
            0,
            null,
            null,
            null,
            BigDecimal.ZERO,
            null,
            null,
            null,
            false),
        new ItemChange.Requeued(
            now.plus(retryIn), p.model(), null, "BATCH_SUBMIT", message, "batch submit failed"),
        p.reservation(),
        now);
  }
}
