package io.catalogimage.api.intake;

import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * Limits and defaults of catalog intake.
 *
 * @param maxBodySize largest request body accepted; larger ones get 413 (default 256MB)
 * @param maxProducts most products in one batch (default 200,000)
 * @param maxVariants most variants per batch (default 10)
 * @param maxLocales most alt-text locales per batch (default 10)
 * @param maxReportedErrors errors listed in one 400 answer; the total is always given (default 100)
 * @param defaultPromptTemplate used when a batch names none
 * @param maxReferenceImageSize largest product photo {@code PUT /v1/reference-images/{name}} takes
 *     (default 10MB, the workers' default fetch limit too)
 * @param variantPresets built-in named variant sets, each variant {@code name:aspectRatio:size}
 *     (default marketplace, storefront and social); a tenant's own preset of the same name wins
 * @param expandInRequestUpTo an upload of up to this many products has its items when the 202 is
 *     sent; a larger one answers once its products are stored and gets its items right after
 *     (default 10,000: about half a second of a 202, so small uploads list their items at once)
 */
@ConfigurationProperties("pipeline.intake")
public record IntakeProperties(
    DataSize maxBodySize,
    Integer maxProducts,
    Integer maxVariants,
    Integer maxLocales,
    Integer maxReportedErrors,
    String defaultPromptTemplate,
    DataSize maxReferenceImageSize,
    Map<String, List<String>> variantPresets,
    Integer expandInRequestUpTo) {

  public IntakeProperties {
    maxBodySize = maxBodySize == null ? DataSize.ofMegabytes(256) : maxBodySize;
    maxProducts = maxProducts == null ? 200_000 : maxProducts;
    maxVariants = maxVariants == null ? 10 : maxVariants;
    maxLocales = maxLocales == null ? 10 : maxLocales;
    maxReportedErrors = maxReportedErrors == null ? 100 : maxReportedErrors;
    defaultPromptTemplate =
        defaultPromptTemplate == null || defaultPromptTemplate.isBlank()
            ? "Professional e-commerce product photo of {{title}}, on a clean white background"
            : defaultPromptTemplate;
    maxReferenceImageSize =
        maxReferenceImageSize == null ? DataSize.ofMegabytes(10) : maxReferenceImageSize;
    variantPresets =
        variantPresets == null
            ? Map.of(
                "marketplace", List.of("main:1:1:2K", "thumbnail:1:1:1K"),
                "storefront", List.of("listing:4:5:1K", "square:1:1:1K", "hero:16:9:2K"),
                "social",
                    List.of("feed:4:5:1K", "square:1:1:1K", "story:9:16:1K", "landscape:16:9:1K"))
            : Map.copyOf(variantPresets);
    expandInRequestUpTo = expandInRequestUpTo == null ? 10_000 : expandInRequestUpTo;
  }
}
