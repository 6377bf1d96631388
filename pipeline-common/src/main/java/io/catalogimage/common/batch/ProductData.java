package io.catalogimage.common.batch;

import java.util.Map;

/**
 * A submitted product as stored (JSON on the product row).
 *
 * @param prompt the prompt rendered from the batch's template at intake
 * @param referenceImage the product photo the model works from, or null
 */
public record ProductData(
    String title,
    String description,
    Map<String, Object> attributes,
    String prompt,
    ReferenceImageSource referenceImage) {

  public ProductData {
    attributes = attributes == null ? Map.of() : attributes;
  }
}
