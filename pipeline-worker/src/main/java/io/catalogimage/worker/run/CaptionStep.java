package io.catalogimage.worker.run;

import io.catalogimage.common.pricing.TokenUsage;
import io.catalogimage.worker.alttext.AltTextProperties;
import io.catalogimage.worker.alttext.CaptionPrompt;
import io.catalogimage.worker.alttext.CheckedText;
import io.catalogimage.worker.alttext.Product;
import io.catalogimage.worker.alttext.Source;
import io.catalogimage.worker.alttext.TextChecks;
import io.catalogimage.worker.budget.BudgetAnswer;
import io.catalogimage.worker.budget.Budgets;
import io.catalogimage.worker.claim.ClaimedItem;
import io.catalogimage.worker.ledger.AttemptResult;
import io.catalogimage.worker.ledger.CapReservations;
import io.catalogimage.worker.ledger.Ledger;
import io.catalogimage.worker.provider.CallInfo;
import io.catalogimage.worker.provider.CaptionRequest;
import io.catalogimage.worker.provider.ImageProvider;
import io.catalogimage.worker.provider.ProviderOutcome;
import io.catalogimage.worker.provider.Providers;
import io.catalogimage.worker.provider.SplicedBody;
import io.catalogimage.worker.result.AltText;
import io.catalogimage.worker.routing.ModelBreakers;
import io.micrometer.core.instrument.MeterRegistry;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.stereotype.Component;

/**
 * The captioning step, between an accepted image and its store: checks the image model's alt text
 * per locale and, for the locales that are missing or fail a check (all of them for OpenAI image
 * models, which write none), asks the tier's caption models about the final image, read from where
 * it is held (the spool) into each call's body as it is sent, never copied into one array or base64
 * string. The image is never made again: a caption that fails is asked again, text alone, up to
 * {@code caption-tries} calls, rotating through the tier's caption models when one fails.
 *
 * <p>Each caption call is a real provider call like an image's: it waits for its model's shared
 * budget, holds a breaker permission, reserves its estimated cost against the batch and tenant
 * caps, and is a ledger row (purpose {@code caption}; outcome {@code CAPTIONED}, {@code
 * CAPTION_REJECTED} when its text failed the checks, or the failure it was) settled with its real
 * cost, which the item's cost takes. The item stays RUNNING (its image call still IN_FLIGHT) until
 * the captions are done and its image is stored and settled, so a crash here leaves it to the
 * reclaim like any call in flight. Whatever happens, the step ends with the texts it has: the item
 * always reaches its terminal state, with each locale's checks saying what is wrong.
 */
@Component
class CaptionStep {

  private static final Logger log = LoggerFactory.getLogger(CaptionStep.class);

  /** Input tokens Gemini counts for an image up to 384 px a side; larger ones count tiles. */
  private static final int IMAGE_TOKENS = 258;

  /** The longest a caption waits for its model's budget in all before giving up. */
  private static final Duration MAX_BUDGET_WAIT = Duration.ofMinutes(2);

  /** How the step ended: the texts per locale, the caption and what is still wrong. */
  record Captioned(Map<String, CheckedText> texts, String caption, List<String> warnings) {

    /** Locale -> text, for the locales that have one. */
    Map<String, String> byLocale() {
      Map<String, String> out = new LinkedHashMap<>();
      texts.forEach(
          (locale, t) -> {
            if (t.text() != null) {
              out.put(locale, t.text());
            }
          });
      return out;
    }
  }

  private final AltTextProperties props;
  private final TextChecks checks;
  private final Providers providers;
  private final Budgets budgets;
  private final ModelBreakers breakers;
  private final CapReservations caps;
  private final Ledger ledger;
  private final ExecutorService io;
  private final ScheduledExecutorService timer;
  private final Clock clock;
  private final MeterRegistry meters;

  CaptionStep(
      AltTextProperties props,
      TextChecks checks,
      Providers providers,
      Budgets budgets,
      ModelBreakers breakers,
      CapReservations caps,
      Ledger ledger,
      @Qualifier("workerIo") ExecutorService io,
      @Qualifier("retryTimer") ScheduledExecutorService timer,
      Clock clock,
      MeterRegistry meters) {
    this.props = props;
    this.checks = checks;
    this.providers = providers;
    this.budgets = budgets;
    this.breakers = breakers;
    this.caps = caps;
    this.ledger = ledger;
    this.io = io;
    this.timer = timer;
    this.clock = clock;
    this.meters = meters;
  }

  static Product product(ClaimedItem item) {
    return new Product(item.title(), item.category(), item.prompt());
  }

  /** The image model's texts, checked per locale. */
  Map<String, CheckedText> check(ClaimedItem item, AltText alt) {
    Map<String, CheckedText> out = new LinkedHashMap<>();
    for (String locale : item.altTextLocales()) {
      String merchant = item.merchantAltText().get(locale);
      if (merchant != null) {
        // the merchant's word is final: kept as written, not checked, never captioned
        out.put(locale, new CheckedText(merchant, Source.MERCHANT.wire(), Map.of(), Map.of()));
        continue;
      }
      CheckedText c =
          checks.check(
              locale,
              alt.byLocale().get(locale),
              Source.IMAGE_MODEL,
              product(item),
              item.altTextLocales());
      out.put(locale, c);
      if (!c.passed()) {
        c.checks()
            .forEach(
                (check, verdict) -> {
                  if (verdict.equals(CheckedText.FAILED)) {
                    meters
                        .counter(
                            "pipeline.alt_text.failed_checks",
                            "source",
                            Source.IMAGE_MODEL.wire(),
                            "check",
                            check)
                        .increment();
                  }
                });
      }
    }
    return out;
  }

  /** Captions the locales that need it; never completes exceptionally. */
  CompletableFuture<Captioned> complete(
      Job job,
      SplicedBody.Source image,
      String mimeType,
      String caption,
      Map<String, CheckedText> texts) {
    return complete(job, image, mimeType, caption, texts, java.util.Set.of());
  }

  /**
   * Captions the locales that need it and, whether they pass now or not, the locales in {@code
   * redo} (a recaption asked for them): a text in {@code redo} is replaced only by a caption that
   * passes its checks, else it stays as it was. Never completes exceptionally.
   */
  CompletableFuture<Captioned> complete(
      Job job,
      SplicedBody.Source image,
      String mimeType,
      String caption,
      Map<String, CheckedText> texts,
      java.util.Set<String> redo) {
    Run run = new Run(job, image, mimeType, caption, texts, redo);
    if (run.failing().isEmpty() || props.captionTries() == 0) {
      run.finish();
      return run.done;
    }
    try {
      run.next();
    } catch (RuntimeException e) {
      log.error("{}: captioning failed; its texts stay as they are", job, e);
      run.finish();
    }
    return run.done;
  }

  /** One item's captioning, from try to try. */
  private final class Run {
    final Job job;
    final SplicedBody.Source image;
    final String mimeType;
    final Map<String, CheckedText> texts;
    final List<String> warnings = new ArrayList<>();
    final CompletableFuture<Captioned> done = new CompletableFuture<>();
    final List<String> models;
    final java.util.Set<String> redo;
    String caption;
    int tries;
    int modelIndex;
    Duration waited = Duration.ZERO;

    Run(
        Job job,
        SplicedBody.Source image,
        String mimeType,
        String caption,
        Map<String, CheckedText> texts,
        java.util.Set<String> redo) {
      this.redo = new java.util.HashSet<>(redo);
      this.redo.retainAll(texts.keySet());
      this.job = job;
      this.image = image;
      this.mimeType = mimeType;
      this.caption = captionOk(caption) ? caption : null;
      this.texts = new LinkedHashMap<>(texts);
      this.models = props.captionModelsFor(job.item.tier());
    }

    List<String> failing() {
      return texts.entrySet().stream()
          .filter(e -> !e.getValue().passed() || redo.contains(e.getKey()))
          .map(Map.Entry::getKey)
          .toList();
    }

    void finish() {
      for (String locale : failing()) {
        CheckedText t = texts.get(locale);
        warnings.add(
            t.passed()
                ? "alt text for " + locale + " was not captioned again; the text it had stays"
                : "alt text for " + locale + " fails its checks: " + t.problems());
      }
      done.complete(new Captioned(Map.copyOf(texts), caption, List.copyOf(warnings)));
    }

    /** The next caption model to try: one with an endpoint and a closed circuit. */
    Optional<String> pickModel() {
      for (int i = 0; i < models.size(); i++) {
        String model = models.get((modelIndex + i) % models.size());
        if (providers.forCaptionModel(model).isPresent() && breakers.tryCall(model)) {
          modelIndex = (modelIndex + i) % models.size();
          return Optional.of(model);
        }
      }
      return Optional.empty();
    }

    void next() {
      if (job.isLeaseLost()) {
        finish();
        return;
      }
      if (failing().isEmpty() || tries >= props.captionTries()) {
        finish();
        return;
      }
      if (models.isEmpty()) {
        warnings.add("captioning is off for tier " + job.item.tier());
        finish();
        return;
      }
      Optional<String> picked = pickModel();
      if (picked.isEmpty()) {
        warnings.add(
            "no caption model can be called (no endpoint serves "
                + models
                + ", or their circuits are open)");
        finish();
        return;
      }
      String model = picked.get();
      ImageProvider provider = providers.forCaptionModel(model).orElseThrow();
      BudgetAnswer answer = budgets.acquire(provider.endpoint(), model);
      if (answer instanceof BudgetAnswer.Wait wait) {
        breakers.notCalled(model);
        waited = waited.plus(wait.after());
        if (waited.compareTo(MAX_BUDGET_WAIT) > 0 || wait.dailyQuota()) {
          warnings.add("the budget of " + model + " had no room for a caption: " + wait.reason());
          finish();
          return;
        }
        later(wait.after(), this::next);
        return;
      }
      BudgetAnswer.Go slot = (BudgetAnswer.Go) answer;
      Duration delay = slot.delay();
      if (delay.isZero() || delay.isNegative()) {
        call(provider, model, slot);
      } else {
        later(delay, () -> due(provider, model, slot));
      }
    }

    void later(Duration wait, Runnable then) {
      try {
        timer.schedule(
            () -> io.execute(() -> guarded(then)), wait.toMillis(), TimeUnit.MILLISECONDS);
      } catch (RuntimeException shuttingDown) {
        finish();
      }
    }

    void guarded(Runnable step) {
      try {
        step.run();
      } catch (RuntimeException e) {
        log.error("{}: captioning failed; its texts stay as they are", job, e);
        finish();
      }
    }

    /** A slot booked ahead came due: the call goes, or asks again after a measurement. */
    void due(ImageProvider provider, String model, BudgetAnswer.Go slot) {
      if (budgets.dueNow(provider.endpoint(), model, slot)) {
        call(provider, model, slot);
      } else {
        breakers.notCalled(model);
        next();
      }
    }

    void call(ImageProvider provider, String model, BudgetAnswer.Go slot) {
      if (job.isLeaseLost()) {
        breakers.notCalled(model);
        budgets.unused(provider.endpoint(), model, slot);
        finish();
        return;
      }
      List<String> locales = failing();
      ClaimedItem item = job.item;
      String prompt =
          CaptionPrompt.compose(
              item.prompt(), item.title(), locales, props.maxLength(), caption == null);
      BigDecimal estimate =
          price(
              model,
              new TokenUsage(prompt.length() / 4, IMAGE_TOKENS, 60 + 50 * locales.size(), 0, 0));
      CapReservations.Answer money = caps.reserve(item, estimate, clock.instant());
      if (money instanceof CapReservations.Refused refused) {
        breakers.notCalled(model);
        budgets.unused(provider.endpoint(), model, slot);
        warnings.add("no caption: " + refused.reason());
        finish();
        return;
      }
      CapReservations.Reservation reservation = ((CapReservations.Reserved) money).reservation();
      Instant started = clock.instant();
      Optional<Integer> attempt =
          caps.begin(
              job.held(),
              provider.endpoint(),
              model,
              reservation,
              null,
              Ledger.PURPOSE_CAPTION,
              started);
      if (attempt.isEmpty()) {
        breakers.notCalled(model);
        budgets.unused(provider.endpoint(), model, slot);
        warnings.add("no caption: the item is no longer held (lease lost or batch cancelled)");
        finish();
        return;
      }
      job.versionIs(job.held().version() + 1);
      tries++;
      CompletableFuture<ProviderOutcome> answer;
      try {
        answer = provider.describe(new CaptionRequest(model, prompt, image, mimeType, null));
      } catch (RuntimeException e) {
        answer = CompletableFuture.failedFuture(e);
      }
      answer
          .handle(
              (outcome, failure) ->
                  failure == null
                      ? outcome
                      : new ProviderOutcome.ServerError(
                          "the provider client failed: " + failure,
                          CallInfo.noAnswer(Duration.ZERO)))
          .thenAcceptAsync(
              outcome ->
                  guarded(
                      () ->
                          answered(
                              provider,
                              model,
                              attempt.get(),
                              estimate,
                              reservation,
                              locales,
                              outcome)),
              io);
    }

    void answered(
        ImageProvider provider,
        String model,
        int attempt,
        BigDecimal estimate,
        CapReservations.Reservation reservation,
        List<String> asked,
        ProviderOutcome outcome) {
      String endpoint = provider.endpoint();
      Duration latency = outcome.info().latency();
      budgets.answered(endpoint, model, outcome);
      Duration pause = Duration.ZERO;
      if (outcome instanceof ProviderOutcome.Described) {
        budgets.succeeded(endpoint, model, latency);
        breakers.succeeded(model, latency);
      } else if (outcome instanceof ProviderOutcome.ServerError
          || outcome instanceof ProviderOutcome.TimedOut
          || outcome instanceof ProviderOutcome.ConnectionLost
          || (outcome instanceof ProviderOutcome.RateLimited r && r.retryAfter() == null)) {
        breakers.failed(model, latency, outcome.kind());
        modelIndex++; // the next try goes to the tier's next caption model, if it has one
      } else {
        breakers.neutral(model);
        if (outcome instanceof ProviderOutcome.RateLimited r) {
          pause = r.retryAfter();
        } else if (outcome instanceof ProviderOutcome.KeyRefused k) {
          providers.keyRefused(endpoint, k.message());
        }
      }
      BigDecimal cost;
      String kind;
      String decision;
      if (outcome instanceof ProviderOutcome.Described d) {
        TokenUsage usage = d.info().usage();
        cost = usage == null ? estimate : price(model, usage);
        AltText parsed = AltText.parse(d.text(), asked);
        List<String> fixed = new ArrayList<>();
        for (String locale : asked) {
          CheckedText c =
              checks.check(
                  locale,
                  parsed.byLocale().get(locale),
                  Source.CAPTION_MODEL,
                  product(job.item),
                  job.item.altTextLocales());
          if (c.passed()) {
            texts.put(locale, c);
            redo.remove(locale);
            fixed.add(locale);
          } else if (texts.get(locale).text() == null && c.text() != null) {
            texts.put(locale, c); // a failing text is still more than none; its checks say so
          }
          countChecks(c);
        }
        if (caption == null && captionOk(parsed.caption())) {
          caption = parsed.caption();
        }
        List<String> still = failing();
        kind = still.isEmpty() ? "CAPTIONED" : "CAPTION_REJECTED";
        decision =
            still.isEmpty()
                ? "alt text written from the image for " + String.join(", ", fixed)
                : "alt text still failing for "
                    + String.join(", ", still)
                    + (tries < props.captionTries() ? "; asking again" : "; left as is");
      } else {
        cost = outcome.possiblyBilled() ? estimate : BigDecimal.ZERO;
        kind = outcome.kind();
        decision =
            "caption call failed"
                + (tries < props.captionTries() ? "; asking again" : "; texts left as they are");
      }
      meters
          .counter("pipeline.alt_text.caption_calls", "model", model, "outcome", kind)
          .increment();
      meters
          .counter(
              "pipeline.provider.cost_usd",
              "model",
              model,
              "endpoint",
              endpoint,
              "possibly_billed",
              String.valueOf(outcome.possiblyBilled()))
          .increment(cost.doubleValue());
      CallInfo info = outcome.info();
      TokenUsage u = info.usage();
      AttemptResult result =
          new AttemptResult(
              kind,
              decision,
              info.modelVersion(),
              info.httpStatus(),
              outcome instanceof ProviderOutcome.Described
                  ? null
                  : AttemptRecords.errorMessage(outcome),
              latency.toMillis(),
              u == null ? null : u.inputTokens(),
              u == null ? null : u.outputTextTokens(),
              u == null ? null : u.thinkingTokens(),
              cost,
              null,
              null,
              info.responseId(),
              outcome.possiblyBilled());
      settle(attempt, result, reservation, 1, pause);
    }

    /** Records the call (tried again while the database is away), then the next try. */
    void settle(
        int attempt,
        AttemptResult result,
        CapReservations.Reservation reservation,
        int settleTry,
        Duration pause) {
      try {
        ledger.settleAside(job.held(), attempt, result, reservation, clock.instant());
      } catch (RuntimeException e) {
        if (job.isLeaseLost() || settleTry >= 8) {
          log.warn("{}: could not record caption call {}: {}", job, attempt, e.toString());
          finish();
          return;
        }
        later(
            Duration.ofMillis(250L << Math.min(6, settleTry)),
            () -> settle(attempt, result, reservation, settleTry + 1, pause));
        return;
      }
      if (pause != null && !pause.isZero() && !failing().isEmpty()) {
        later(pause.compareTo(MAX_BUDGET_WAIT) > 0 ? MAX_BUDGET_WAIT : pause, this::next);
      } else {
        next();
      }
    }
  }

  private void countChecks(CheckedText c) {
    c.checks()
        .forEach(
            (check, verdict) -> {
              if (verdict.equals(CheckedText.FAILED)) {
                meters
                    .counter(
                        "pipeline.alt_text.failed_checks",
                        "source",
                        Source.CAPTION_MODEL.wire(),
                        "check",
                        check)
                    .increment();
              }
            });
  }

  private boolean captionOk(String caption) {
    return caption != null
        && !caption.isBlank()
        && caption.length() <= props.captionMaxLength()
        && !caption.strip().startsWith("{")
        && !caption.toLowerCase(java.util.Locale.ROOT).contains("json object");
  }

  /** What a caption call costs at the configured per-million-token prices. */
  BigDecimal price(String model, TokenUsage usage) {
    List<Double> rates = props.captionPrices().get(model);
    double in = rates == null || rates.isEmpty() ? 0.30 : rates.get(0);
    double out = rates == null || rates.size() < 2 ? 2.50 : rates.get(1);
    BigDecimal micro =
        BigDecimal.valueOf(in)
            .multiply(BigDecimal.valueOf((long) usage.inputTextTokens() + usage.inputImageTokens()))
            .add(
                BigDecimal.valueOf(out)
                    .multiply(
                        BigDecimal.valueOf(
                            (long) usage.outputTextTokens()
                                + usage.outputImageTokens()
                                + usage.thinkingTokens())));
    return micro.divide(BigDecimal.valueOf(1_000_000), 6, RoundingMode.HALF_UP);
  }
}
