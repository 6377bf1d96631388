package io.catalogimage.worker.provider;

import io.catalogimage.common.batch.GenerationSettings;
import io.catalogimage.common.model.Dimensions;
import io.catalogimage.worker.result.ResultSpool;
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

  /**
   * Releases the images this request holds (its references, the earlier turns' photos and the
   * model's images read back from storage for the replay): once its call is answered or never made.
   * Safe to call more than once.
   */
  public void releaseImages() {
    references.forEach(ReferenceImage::release);
    history.forEach(PriorTurn::release);
  }

  /**
   * A reference photo, already fetched and checked, held in the spool (memory chunks or a file) and
   * streamed into the request body from there: never one array or base64 string per call.
   */
  public record ReferenceImage(String mimeType, ResultSpool.Held photo) {

    /** A photo already in memory (small images, tests), held by no budget. */
    public static ReferenceImage of(String mimeType, byte[] bytes) {
      return new ReferenceImage(mimeType, ResultSpool.unspooled(bytes));
    }

    public long size() {
      return photo.size();
    }

    /** What a request body splices in: the photo, reopened on each send. */
    public SplicedBody.Source source() {
      return new SplicedBody.Source(photo::open, photo.size());
    }

    /** All bytes in one new array: only where a whole body is built anyway (batch files). */
    public byte[] bytes() {
      return photo.bytes();
    }

    /**
     * Gives the photo's place in the spool back (deletes its file); never throws: it runs on the
     * answer's path, which must go on whatever happens to a temporary file.
     */
    public void release() {
      try {
        photo.release();
      } catch (RuntimeException e) {
        org.slf4j.LoggerFactory.getLogger(ReferenceImage.class)
            .warn("could not release a reference photo: {}", e.toString());
      }
    }

    /**
     * A copy in memory outside the byte budget, this one released: for small photos kept longer
     * than one call (tests).
     */
    public ReferenceImage detached() {
      ReferenceImage copy = of(mimeType, photo.bytes());
      photo.release();
      return copy;
    }

    /**
     * A copy in {@code elsewhere} (the batch lane's spool: files, outside the call budget), this
     * one released: for requests kept until a provider job is submitted, thousands of photos that
     * must not wait in the heap nor hold the real-time calls' byte budget.
     */
    public ReferenceImage movedTo(ResultSpool elsewhere) {
      ResultSpool.Held copy;
      try (java.io.InputStream in = photo.open();
          ResultSpool.Receiving out = elsewhere.receive()) {
        in.transferTo(out);
        copy = out.finish();
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      } finally {
        photo.release();
      }
      return new ReferenceImage(mimeType, copy);
    }
  }
}
