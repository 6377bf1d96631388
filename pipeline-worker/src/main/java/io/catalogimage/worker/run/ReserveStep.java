package io.catalogimage.worker.run;

import io.catalogimage.common.batch.VariantSpec;
import io.catalogimage.common.item.ItemRepository;
import io.catalogimage.common.item.ItemState;
import io.catalogimage.common.model.Dimensions;
import io.catalogimage.common.model.ImageModel;
import io.catalogimage.common.model.ModelCatalog;
import io.catalogimage.worker.claim.ClaimedItem;
import io.catalogimage.worker.edit.ConversationTurns;
import io.catalogimage.worker.ledger.CapReservations;
import io.catalogimage.worker.ledger.Ledger;
import io.catalogimage.worker.provider.GenerationRequest;
import io.catalogimage.worker.provider.ImageProvider;
import io.catalogimage.worker.provider.ModelTimeouts;
import io.catalogimage.worker.provider.PriorTurn;
import io.catalogimage.worker.provider.Providers;
import io.catalogimage.worker.reference.ReferenceImages;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * The step before the call: the reference photo, the request (with the model's learnt timeout), the
 * estimated cost reserved against the caps, and the attempt recorded IN_FLIGHT in the ledger. When
 * something stops the item here (photo refused, cap reached, batch cancelled, lease lost) it moves
 * the item accordingly and no call is made.
 */
@Component
class ReserveStep {

  private static final Logger log = LoggerFactory.getLogger(ReserveStep.class);

  /** What the step decided. */
  sealed interface Reserved {}

  /** Make the call. */
  record Ready(Call call) implements Reserved {}

  /** No call: the item was moved on (or is not ours any more). */
  record Ended(String why) implements Reserved {}

  private final ModelCatalog catalog;
  private final Providers providers;
  private final ModelTimeouts timeouts;
  private final ReferenceImages referenceImages;
  private final CapReservations caps;
  private final Ledger ledger;
  private final ItemRepository items;
  private final Clock clock;
  private final ConversationTurns turns;

  ReserveStep(
      ModelCatalog catalog,
      Providers providers,
      ModelTimeouts timeouts,
      ReferenceImages referenceImages,
      CapReservations caps,
      Ledger ledger,
      ItemRepository items,
      Clock clock,
      ConversationTurns turns) {
    this.turns = turns;
    this.catalog = catalog;
    this.providers = providers;
    this.timeouts = timeouts;
    this.referenceImages = referenceImages;
    this.caps = caps;
    this.ledger = ledger;
    this.items = items;
    this.clock = clock;
  }

  Reserved reserve(Job job, String model, ImageProvider provider, String routed) {
    ClaimedItem item = job.item;
    VariantSpec variant = item.variant();
    ImageModel imageModel = catalog.require(model);
    Dimensions expected = imageModel.dimensions(variant.size(), variant.aspectRatio()).orElse(null);
    String prompt = PromptComposer.compose(item);
    List<GenerationRequest.ReferenceImage> references = List.of();
    List<PriorTurn> history = List.of();
    if (item.isEdit()) {
      try {
        ConversationTurns.Replay replay = turns.history(item);
        history = replay.turns();
        references = replay.images();
      } catch (ConversationTurns.Unreplayable | java.util.NoSuchElementException e) {
        ledger.endEditWithoutCall(
            job.held(), item.edit().id(), "CONVERSATION", e.getMessage(), clock.instant());
        return new Ended("edit cannot replay its conversation: " + e.getMessage());
      }
    } else if (item.referenceImage() != null) {
      ReferenceImages.Fetched fetched = referenceImages.fetch(item.tenant(), item.referenceImage());
      if (fetched instanceof ReferenceImages.Refused refused) {
        items.finish(
            job.held(),
            ItemState.FAILED,
            "REFERENCE_IMAGE",
            refused.reason(),
            null,
            BigDecimal.ZERO,
            clock.instant());
        return new Ended("reference photo refused before any call: " + refused.reason());
      }
      references = List.of(((ReferenceImages.Image) fetched).image());
    }
    GenerationRequest request =
        new GenerationRequest(
            model,
            prompt,
            variant.aspectRatio(),
            variant.size(),
            expected,
            item.altTextLocales(),
            references,
            // the client caps it by the endpoint's request-timeout
            timeouts.timeoutFor(model, variant.size(), null),
            history,
            item.settings());
    try {
      Reserved reserved = reserve(job, model, provider, routed, request);
      if (reserved instanceof Ended) {
        request.releaseImages(); // no call: the photos go now
      }
      return reserved;
    } catch (RuntimeException e) {
      request.releaseImages();
      throw e;
    }
  }

  private Reserved reserve(
      Job job, String model, ImageProvider provider, String routed, GenerationRequest request) {
    ClaimedItem item = job.item;
    VariantSpec variant = item.variant();
    String prompt = request.prompt();
    List<GenerationRequest.ReferenceImage> references = request.references();
    List<PriorTurn> history = request.history();
    BigDecimal reserved =
        providers.estimate(
            provider,
            model,
            variant.size(),
            PromptComposer.estimateTokens(prompt)
                + history.stream().mapToInt(t -> PromptComposer.estimateTokens(t.userText())).sum(),
            references.size()
                + history.stream()
                    .mapToInt(
                        t ->
                            t.userImages().size()
                                + (int)
                                    t.model().stream()
                                        .filter(io.catalogimage.worker.provider.ModelPart::isImage)
                                        .count())
                    .sum());
    CapReservations.Answer money = caps.reserve(item, reserved, clock.instant());
    if (money instanceof CapReservations.Refused refused && item.isEdit()) {
      // an edit stopped at the cap keeps the item's image; a raised cap runs it again
      return caps.stopEditAtCap(job.held(), item, refused, reserved, clock.instant())
          ? new Ended("cost cap reached: the edit waits for a higher cap")
          : new Ended("cost cap reached as it was raised: the edit queued again");
    }
    if (money instanceof CapReservations.Refused refused) {
      return caps.stopAtCap(job.held(), item, refused, reserved, clock.instant())
          ? new Ended("cost cap reached")
          : new Ended("cost cap reached as it was raised: queued again");
    }
    CapReservations.Reservation reservation = ((CapReservations.Reserved) money).reservation();
    Instant started = clock.instant();
    Optional<Integer> attempt =
        caps.begin(
            job.held(),
            provider.endpoint(),
            model,
            reservation,
            routed,
            Ledger.PURPOSE_IMAGE,
            started);
    if (attempt.isEmpty()) {
      if (items.cancelIfBatchCancelled(job.held(), clock.instant())) {
        return new Ended("cancelled with its batch before its call");
      }
      log.info("lease on {} lost before the call; leaving it", item.id());
      return new Ended("lease lost before the call");
    }
    job.versionIs(job.held().version() + 1);
    // recorded and about to go: the call the model's timeout is stretched for, if it is due one
    Optional<ModelTimeouts.Stretched> stretched =
        timeouts.stretch(model, variant.size(), provider.requestTimeout());
    if (stretched.isPresent()) {
      job.stretched = stretched.get();
      request = request.withTimeout(stretched.get().timeout());
      log.info(
          "{} timed out {} times in a row at {}; this call may take {}{}",
          model,
          timeouts.timeoutsInRow(model, variant.size()),
          variant.size(),
          stretched.get().timeout(),
          stretched.get().full() ? " (the endpoint's timeout: a timeout now means hung)" : "");
    }
    return new Ready(
        new Call(model, provider, attempt.get(), request, started, reserved, reservation, false));
  }
}
