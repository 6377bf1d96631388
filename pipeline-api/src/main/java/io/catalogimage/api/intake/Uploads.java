package io.catalogimage.api.intake;

import java.io.InputStream;
import java.util.function.Consumer;
import org.springframework.stereotype.Component;

/**
 * Reads an upload's rows and checks each against the batch's options, handing every good row on as
 * it is read and collecting every problem with its line number. Once a row is bad the rest is still
 * checked (so the answer lists everything) but no longer handed on.
 */
@Component
class Uploads {

  /** The two formats read row by row. */
  enum Format {
    NDJSON,
    CSV
  }

  private final SubmissionValidator validator;
  private final JsonSubmissionParser parser;
  private final IntakeProperties limits;

  Uploads(SubmissionValidator validator, JsonSubmissionParser parser, IntakeProperties limits) {
    this.validator = validator;
    this.parser = parser;
    this.limits = limits;
  }

  /**
   * Returns how many products were handed on; throws {@link InvalidSubmission} when any row has a
   * problem (the caller's transaction then stores nothing).
   */
  long read(
      Format format,
      InputStream body,
      ValidSubmission options,
      Consumer<ValidSubmission.Product> good) {
    Problems problems = validator.problems();
    SubmissionValidator.Rows rows = validator.rows(options);
    long[] count = {0};
    UploadRows.Row row =
        (line, item) -> {
          ValidSubmission.Product product = rows.row(line, item, problems);
          if (product == null) {
            return;
          }
          if (++count[0] > limits.maxProducts()) {
            problems.add(
                "item",
                "more than "
                    + limits.maxProducts()
                    + " items in one batch; split the catalog into several batches");
          } else if (!problems.any()) {
            good.accept(product);
          }
        };
    if (format == Format.NDJSON) {
      UploadRows.ndjson(body, parser, row, problems);
    } else {
      UploadRows.csv(body, row, problems);
    }
    if (!problems.any() && count[0] == 0) {
      problems.noLine();
      problems.add("items", "the upload has no rows; at least one item is required");
    }
    problems.throwIfAny();
    return count[0];
  }
}
