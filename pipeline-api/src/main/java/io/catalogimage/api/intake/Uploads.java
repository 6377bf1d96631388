package io.catalogimage.api.intake;

import io.catalogimage.common.id.BatchId;
import io.catalogimage.common.id.TenantId;
import java.io.InputStream;
import java.time.Instant;
import org.springframework.stereotype.Component;

/**
 * Pass one of a streamed upload: reads the rows, checks each against the batch's options and spools
 * the good ones to files, collecting every problem with its line number. Nothing reaches the
 * database here; a rejected upload leaves only deleted temporary files behind.
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
   * The spooled rows of a valid upload; throws {@link InvalidSubmission} (nothing kept) when any
   * row has a problem. The caller closes the spool.
   */
  UploadSpool read(
      Format format,
      InputStream body,
      TenantId tenant,
      BatchId batch,
      ValidSubmission options,
      Instant now) {
    Problems problems = validator.problems();
    SubmissionValidator.Rows rows = validator.rows(options);
    UploadSpool spool = new UploadSpool(tenant, batch, options, now);
    try {
      UploadRows.Row row =
          (line, item) -> {
            ValidSubmission.Product product = rows.row(line, item, problems);
            if (product != null && spool.products() < limits.maxProducts()) {
              spool.add(product);
            } else if (product != null) {
              problems.add(
                  "item",
                  "more than "
                      + limits.maxProducts()
                      + " items in one batch; split the catalog into several batches");
            }
          };
      if (format == Format.NDJSON) {
        UploadRows.ndjson(body, parser, row, problems);
      } else {
        UploadRows.csv(body, row, problems);
      }
      if (!problems.any() && spool.products() == 0) {
        problems.noLine();
        problems.add("items", "the upload has no rows; at least one item is required");
      }
      problems.throwIfAny();
      spool.finish();
      return spool;
    } catch (RuntimeException e) {
      spool.close();
      throw e;
    }
  }
}
