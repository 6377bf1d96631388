package io.catalogimage.worker.provider;

import java.time.Duration;
import java.util.Objects;

/**
 * One image to describe, for a vision text model: the final image, never regenerated.
 *
 * @param model the vision model's id (e.g. {@code gemini-2.5-flash})
 * @param prompt the instruction (product, locales, rules)
 * @param image the stored image's bytes
 * @param timeout how long to wait; null = the endpoint's {@code request-timeout}
 */
public record CaptionRequest(
    String model, String prompt, byte[] image, String mimeType, Duration timeout) {

  public CaptionRequest {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(prompt, "prompt");
    Objects.requireNonNull(image, "image");
  }

  /** The timeout to send: this request's, capped by the endpoint's. */
  public Duration timeoutWithin(Duration endpointTimeout) {
    return timeout == null || timeout.compareTo(endpointTimeout) > 0 ? endpointTimeout : timeout;
  }
}
