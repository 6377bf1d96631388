package io.catalogimage.worker.result;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.catalogimage.worker.alttext.CheckedText;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The JSON stored next to each image: what it shows (alt text per locale, caption), how it was made
 * (prompt, model asked and served, dimensions) and what it cost. {@code altTextChecks} says, per
 * locale, where the text came from and which checks ran and passed.
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
    Map<String, CheckedText> altTextChecks,
    String prompt,
    String promptSha256,
    Requested requested,
    Served served,
    BigDecimal costUsd,
    int attempt,
    Timings timings,
    Tokens tokens,
    String imageSha256,
    List<String> warnings,
    @JsonInclude(JsonInclude.Include.NON_NULL) Edit edit) {

  /** 2: {@code altTextChecks} (per locale: source, checks run and passed, problems) added. */
  public static final int SCHEMA_VERSION = 2;

  /**
   * Set when the image is an edit of an earlier version (issue 18).
   *
   * @param turn the edit's number in the item's history
   * @param editedAttempt the attempt (version) that was edited
   */
  public record Edit(String editId, int turn, String instruction, int editedAttempt) {}

  public record Requested(String model, String endpoint, String dimensions) {}

  /** {@code downgrade} says how what was served differs from the request, when it does. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Served(
      String modelVersion, String dimensions, String responseId, String downgrade) {}

  public record Timings(Instant startedAt, Instant finishedAt, long latencyMs) {}

  public record Tokens(Integer input, Integer output, Integer thinking) {}
}
