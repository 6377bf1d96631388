package io.catalogimage.worker.result;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The JSON stored next to each image: what it shows (alt text per locale, caption), how it was made
 * (prompt, model asked and served, dimensions) and what it cost.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Sidecar(
    int schemaVersion,
    String itemId,
    String batchId,
    String sku,
    String variant,
    String aspectRatio,
    String size,
    Map<String, String> altText,
    String caption,
    String prompt,
    String promptSha256,
    Requested requested,
    Served served,
    BigDecimal costUsd,
    int attempt,
    Timings timings,
    Tokens tokens,
    String imageSha256,
    List<String> warnings) {

  public static final int SCHEMA_VERSION = 1;

  public record Requested(String model, String endpoint, String dimensions) {}

  /** {@code downgrade} says how what was served differs from the request, when it does. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Served(
      String modelVersion, String dimensions, String responseId, String downgrade) {}

  public record Timings(Instant startedAt, Instant finishedAt, long latencyMs) {}

  public record Tokens(Integer input, Integer output, Integer thinking) {}
}
