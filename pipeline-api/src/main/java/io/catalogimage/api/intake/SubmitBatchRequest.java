package io.catalogimage.api.intake;

import io.catalogimage.common.batch.GenerationSettings;
import io.catalogimage.common.batch.ReferenceImageSource;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

/**
 * The JSON body of {@code POST /v1/batches}, as sent. Unknown fields are rejected, so a typo (say
 * {@code altTextLocale}) fails loudly instead of silently costing money.
 *
 * @param name a name of yours for the batch (default "unnamed batch")
 * @param tier fast (Nano Banana 2, then Pro; default) or quality (Pro, then Nano Banana 2)
 * @param variants the images each product gets: name, aspectRatio (1:1, 4:1, 16:9, ...), size (512,
 *     1K, 2K, 4K), e.g. {"name": "listing", "aspectRatio": "1:1", "size": "1K"}
 * @param altTextLocales BCP 47 tags: the sidecar has alt text and a caption for each (default en)
 * @param promptTemplate the prompt per product: {{title}}, {{description}}, {{sku}} and
 *     {{attributes.name}} are filled from the item (a field an item lacks is a 400 naming it)
 * @param styleGuide brand style text added to every prompt of the batch
 * @param lane interactive, bulk (default) or scheduled; batch (the providers' Batch APIs at half
 *     price, real time again before the deadline) or cost-priority (batch if the deadline allows)
 * @param deadline ISO-8601 instant the batch should be done by: routing switches models rather than
 *     wait past it, peak deferral gives way to it, and the answer flags a batch that cannot meet it
 * @param startAfter ISO-8601 instant before which no item runs (nightly runs), default now
 * @param costCapUsd most the batch may cost; items that would pass it end CAP_REACHED
 * @param allowSafetyReroute a safety block may be retried on the tier's next model (default false)
 * @param variantPreset a named variant set (built-in or the tenant's, see {@code
 *     /v1/variant-presets}); its variants come first, then any listed in {@code variants}
 * @param callbackUrl where the batch's webhook events go (https, public address), instead of the
 *     tenant's webhook URL
 * @param items the products, each with a unique {@code sku}
 * @param generation model settings passed through to every call (thinkingLevel, includeThoughts,
 *     googleSearch, outputFormat, quality, personGeneration); each must be taken by every model of
 *     the tier, else a 400 names it
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
    List<ProductRequest> items,
    GenerationSettings generation) {

  SubmitBatchRequest(
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
    this(
        name,
        tier,
        variants,
        variantPreset,
        altTextLocales,
        promptTemplate,
        styleGuide,
        lane,
        deadline,
        startAfter,
        costCapUsd,
        allowSafetyReroute,
        callbackUrl,
        items,
        null);
  }

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
        items,
        generation);
  }

  /**
   * One product.
   *
   * @param sku your product id: unique in the batch; names its objects in storage
   * @param title what the prompt template reads as {{title}}
   * @param attributes free key/value pairs, {{attributes.color}} in the template
   * @param referenceImage a product photo the model works from: {"url": "https://..."} or
   *     {"objectKey": "references/ts-001"} (under the tenant's prefix in our bucket, e.g. uploaded
   *     with PUT /v1/reference-images/ts-001)
   */
  record ProductRequest(
      String sku,
      String title,
      String description,
      Map<String, Object> attributes,
      ReferenceImageSource referenceImage) {}
}
