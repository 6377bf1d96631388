package io.catalogimage.worker.provider;

import java.time.Duration;
import java.util.Objects;

/**
 * One image to describe, for a vision text model: the final image, never regenerated.
 *
 * @param model the vision model's id (e.g. {@code gemini-2.5-flash})
 * @param prompt the instruction (product, locales, rules)
 * @param image where the image's bytes are read from while the request is sent (the spool, where
 *     the answer or the stored object was copied): spliced into the body, base64-encoded on the way
 *     out, never one array or {@code String}
 * @param timeout how long to wait; null = the endpoint's {@code request-timeout}
 */
public record CaptionRequest(
    String model, String prompt, SplicedBody.Source image, String mimeType, Duration timeout) {

  /** An image already in memory (tests, small images). */
  public CaptionRequest(
      String model, String prompt, byte[] image, String mimeType, Duration timeout) {
    this(
        model,
        prompt,
        SplicedBody.Source.of(Objects.requireNonNull(image, "image")),
        mimeType,
        timeout);
  }

  public CaptionRequest {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(prompt, "prompt");
    Objects.requireNonNull(image, "image");
  }

  /** The image's MIME type as sent (PNG when unknown). */
  public String mimeTypeOrPng() {
    return mimeType == null ? "image/png" : mimeType;
  }

  /** The timeout to send: this request's, capped by the endpoint's. */
  public Duration timeoutWithin(Duration endpointTimeout) {
    return timeout == null || timeout.compareTo(endpointTimeout) > 0 ? endpointTimeout : timeout;
  }
}
