package io.catalogimage.api.intake;

import io.catalogimage.common.id.BatchId;
import io.catalogimage.common.id.TenantId;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.sql.SQLException;
import java.time.Instant;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/**
 * Stores a streamed upload in one transaction while it is read: good rows go straight into {@code
 * COPY products} (PostgreSQL works on them while the next rows are parsed), the items are then made
 * from the products by one statement, and any bad row, a reused idempotency key or a failure rolls
 * all of it back. Memory holds one row at a time.
 */
@Component
class UploadIntake {

  /** What was stored. */
  record Stored(long products, long items, BatchPlan plan) {}

  /** The idempotency key was used already: nothing of this upload is kept; answer with that. */
  static final class AlreadyUsed extends RuntimeException {
    private final byte[] requestHash;

    AlreadyUsed(byte[] requestHash) {
      super(null, null, false, false);
      this.requestHash = requestHash;
    }

    byte[] requestHash() {
      return requestHash;
    }
  }

  private final IntakeRepository repository;
  private final IdempotencyKeys idempotency;
  private final Uploads uploads;
  private final BatchPlanner planner;

  UploadIntake(
      IntakeRepository repository,
      IdempotencyKeys idempotency,
      Uploads uploads,
      BatchPlanner planner) {
    this.repository = repository;
    this.idempotency = idempotency;
    this.uploads = uploads;
    this.planner = planner;
  }

  @Transactional
  Stored store(
      TenantId tenant,
      BatchId batch,
      ValidSubmission options,
      Uploads.Format format,
      InputStream body,
      MessageDigest digest,
      String idempotencyKey,
      Instant now) {
    repository.insertBatch(tenant, batch, options, 0, 0, new BatchPlan(null, null, null), now);
    long products;
    try (CopyWriter copy = repository.copyProducts()) {
      int[] productNo = {0};
      products =
          uploads.read(
              format,
              body,
              options,
              product -> {
                try {
                  IntakeRepository.productRow(copy, tenant, batch, productNo[0]++, product);
                } catch (SQLException e) {
                  throw new IllegalStateException("could not store the upload's products", e);
                }
              });
      copy.finish();
      body.transferTo(OutputStream.nullOutputStream());
    } catch (SQLException e) {
      throw new IllegalStateException("could not store the upload's products", e);
    } catch (java.io.IOException e) {
      throw new UncheckedIOException(e);
    }
    byte[] requestHash = digest.digest();
    if (idempotencyKey != null) {
      if (idempotency.find(tenant, idempotencyKey).isPresent()) {
        throw new AlreadyUsed(requestHash);
      }
      try {
        idempotency.record(tenant, idempotencyKey, requestHash, batch);
      } catch (DuplicateKeyException twin) {
        throw new AlreadyUsed(requestHash); // a twin committed meanwhile: roll this one back
      }
    }
    long items = repository.insertItemsFromProducts(tenant, batch, options, now);
    BatchPlan plan = planner.plan(options, items, now);
    repository.finishUploadedBatch(batch, options, products, items, plan, now);
    return new Stored(products, items, plan);
  }
}
