package io.catalogimage.api.intake;

import io.catalogimage.common.batch.ReferenceImageSource;
import java.util.List;
import java.util.Map;

/**
 * The JSON body of {@code POST /v1/batches}, as sent. Unknown fields are rejected, so a typo (say
 * {@code altTextLocale}) fails loudly instead of silently costing money.
 */
record SubmitBatchRequest(
    String name,
    String tier,
    List<VariantRequest> variants,
    List<String> altTextLocales,
    String promptTemplate,
    String styleGuide,
    List<ProductRequest> items) {

  record VariantRequest(String name, String aspectRatio, String size) {}

  /**
   * @param referenceImage a product photo the model works from: {@code {"url": "https://..."}} or
   *     {@code {"objectKey": "photos/ts-001.jpg"}} (under the tenant's prefix in our bucket)
   */
  record ProductRequest(
      String sku,
      String title,
      String description,
      Map<String, Object> attributes,
      ReferenceImageSource referenceImage) {}
}
