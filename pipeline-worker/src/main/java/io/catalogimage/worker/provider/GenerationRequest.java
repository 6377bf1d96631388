package io.catalogimage.worker.provider;

import io.catalogimage.common.batch.GenerationSettings;
import io.catalogimage.common.model.Dimensions;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * One image to generate, in the pipeline's terms; each vendor client translates it.
 *
 * @param model the catalog id of the model to ask (the endpoint may send another id for it)
 * @param expected the dimensions the model's documentation promises for this size and ratio
 * @param altTextLocales locales the text part should carry alt text for (empty: none asked)
 * @param references product photos to base the image on (may be empty)
 * @param timeout how long to wait for this call's answer (the model's timeout, learnt from its
 *     latency); null = the endpoint's {@code request-timeout}. Never longer than that.
 * @param history for an edit, the conversation so far (the prompt is then the instruction); empty
 *     for a first generation
 * @param settings the batch's model settings (sent as each protocol spells them)
 */
public record GenerationRequest(
    String model,
    String prompt,
    String aspectRatio,
    String size,
    Dimensions expected,
    List<String> altTextLocales,
    List<ReferenceImage> references,
    Duration timeout,
    List<PriorTurn> history,
    GenerationSettings settings) {

  public GenerationRequest(
      String model,
      String prompt,
      String aspectRatio,
      String size,
      Dimensions expected,
      List<String> altTextLocales,
      List<ReferenceImage> references,
      Duration timeout,
      List<PriorTurn> history) {
    this(
        model,
        prompt,
        aspectRatio,
        size,
        expected,
        altTextLocales,
        references,
        timeout,
        history,
        GenerationSettings.NONE);
  }

  public GenerationRequest(
      String model,
      String prompt,
      String aspectRatio,
      String size,
      Dimensions expected,
      List<String> altTextLocales,
      List<ReferenceImage> references,
      Duration timeout) {
    this(
        model, prompt, aspectRatio, size, expected, altTextLocales, references, timeout, List.of());
  }

  public GenerationRequest(
      String model,
      String prompt,
      String aspectRatio,
      String size,
      Dimensions expected,
      List<String> altTextLocales,
      List<ReferenceImage> references) {
    this(model, prompt, aspectRatio, size, expected, altTextLocales, references, null);
  }

  public GenerationRequest {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(prompt, "prompt");
    altTextLocales = List.copyOf(altTextLocales);
    references = List.copyOf(references);
    history = history == null ? List.of() : List.copyOf(history);
    settings = settings == null ? GenerationSettings.NONE : settings;
  }

  /** True for an edit: a later turn of a kept conversation. */
  public boolean isEdit() {
    return !history.isEmpty();
  }

  /** The same request with another timeout. */
  public GenerationRequest withTimeout(Duration newTimeout) {
    return new GenerationRequest(
        model,
        prompt,
        aspectRatio,
        size,
        expected,
        altTextLocales,
        references,
        newTimeout,
        history,
        settings);
  }

  /** The timeout to send: this request's, capped by the endpoint's. */
  public Duration timeoutWithin(Duration endpointTimeout) {
    return timeout == null || timeout.compareTo(endpointTimeout) > 0 ? endpointTimeout : timeout;
  }

  /** A reference photo, already fetched and checked. */
  public record ReferenceImage(String mimeType, byte[] bytes) {}
}
