package io.catalogimage.worker.claim;

import java.util.List;
import java.util.UUID;

/**
 * The recaption a claimed item runs for: its stored image is captioned again for {@code locales}
 * (never a merchant's), and nothing else is done to it; the image is never made again.
 *
 * @param id the request that selected it
 * @param locales the locales to caption again
 * @param imageKey the stored image to describe (the version the item shows)
 * @param sidecarKey its sidecar, rewritten with the new texts
 * @param caption the item's caption now, or null
 * @param altTextChecks the item's texts and checks per locale now (JSON object), or null
 */
public record PendingRecaption(
    UUID id,
    List<String> locales,
    String imageKey,
    String sidecarKey,
    String caption,
    String altTextChecks) {

  public PendingRecaption {
    locales = List.copyOf(locales);
  }
}
