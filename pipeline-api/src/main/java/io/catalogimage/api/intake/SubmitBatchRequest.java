package io.catalogimage.api.intake;

import io.catalogimage.common.batch.ReferenceImageSource;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

/**
 * The JSON body of {@code POST /v1/batches}, as sent. Unknown fields are rejected, so a typo (say
 * {@code altTextLocale}) fails loudly instead of silently costing money.
 *
 * @param lane interactive, bulk (default) or scheduled
 * @param deadline ISO-8601 instant the batch should be done by: routing switches models rather than
 *     wait past it, peak deferral gives way to it, and the answer flags a batch that cannot meet it
 * @param startAfter ISO-8601 instant before which no item runs (nightly runs), default now
 * @param costCapUsd most the batch may cost; items that would pass it end CAP_REACHED
 * @param allowSafetyReroute a safety block may be retried on the tier's next model (default false)
 * @param variantPreset a named variant set (built-in or the tenant's, see {@code
 *     /v1/variant-presets}); its variants come first, then any listed in {@code variants}
 * @param callbackUrl where the batch's webhook events go (https, public address), instead of the
 *     tenant's webhook URL
 */
record SubmitBatchRequest(
    String name,
    String tier,
    List<VariantRequest> variants,
    String variantPreset,
    List<String> altTextLocales,
    String promptTemplate,
    String styleGuide,
    String lane,
    String deadline,
    String startAfter,
    BigDecimal costCapUsd,
    Boolean allowSafetyReroute,
    String callbackUrl,
    List<ProductRequest> items) {

  record VariantRequest(String name, String aspectRatio, String size) {

    /** {@code name:ratio:size}, the ratio itself containing a colon: {@code banner:4:1:2K}. */
    static VariantRequest parse(String text) {
      int first = text.indexOf(':');
      int last = text.lastIndexOf(':');
      if (first < 0 || last == first) {
        return null;
      }
      return new VariantRequest(
          text.substring(0, first), text.substring(first + 1, last), text.substring(last + 1));
    }
  }

  /** The same request with other variants and no preset (the preset expanded into them). */
  SubmitBatchRequest withVariants(List<VariantRequest> expanded) {
    return new SubmitBatchRequest(
        name,
        tier,
        expanded,
        null,
        altTextLocales,
        promptTemplate,
        styleGuide,
        lane,
        deadline,
        startAfter,
        costCapUsd,
        allowSafetyReroute,
        callbackUrl,
        items);
  }

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
