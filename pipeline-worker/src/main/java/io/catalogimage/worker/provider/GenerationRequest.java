package io.catalogimage.worker.provider;

import io.catalogimage.common.model.Dimensions;
import java.util.List;
import java.util.Objects;

/**
 * One image to generate, in the pipeline's terms; each vendor client translates it.
 *
 * @param model the catalog id of the model to ask (the endpoint may send another id for it)
 * @param expected the dimensions the model's documentation promises for this size and ratio
 * @param altTextLocales locales the text part should carry alt text for (empty: none asked)
 * @param references product photos to base the image on (may be empty)
 */
public record GenerationRequest(
    String model,
    String prompt,
    String aspectRatio,
    String size,
    Dimensions expected,
    List<String> altTextLocales,
    List<ReferenceImage> references) {

  public GenerationRequest {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(prompt, "prompt");
    altTextLocales = List.copyOf(altTextLocales);
    references = List.copyOf(references);
  }

  /** A reference photo, already fetched and checked. */
  public record ReferenceImage(String mimeType, byte[] bytes) {}
}
