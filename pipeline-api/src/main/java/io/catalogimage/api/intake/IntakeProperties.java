package io.catalogimage.api.intake;

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
 */
@ConfigurationProperties("pipeline.intake")
public record IntakeProperties(
    DataSize maxBodySize,
    Integer maxProducts,
    Integer maxVariants,
    Integer maxLocales,
    Integer maxReportedErrors,
    String defaultPromptTemplate) {

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
  }
}
