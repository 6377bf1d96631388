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
 * COPY products} (PostgreSQL works on them while the next rows are parsed), and any bad row, a
 * reused idempotency key or a failure rolls all of it back. Memory holds one row at a time.
 *
 * <p>The items are made from the stored products by one statement: in this transaction for an
 * upload of up to {@code pipeline.intake.expand-in-request-up-to} products, right after the answer
 * by {@link ExpandBatches} for a larger one. Making 200,000 items is most of a large upload's time
 * in the database, and the upload is already durable without them: what the merchant sent is
 * stored, and the items follow from it.
 */
@Component
class UploadIntake {

  /** What was stored; {@code itemsPending} when the items are still to be made. */
  record Stored(long products, long items, BatchPlan plan, boolean itemsPending) {}

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
  private final int expandInRequestUpTo;

  UploadIntake(
      IntakeRepository repository,
      IdempotencyKeys idempotency,
      Uploads uploads,
      BatchPlanner planner,
      IntakeProperties properties) {
    this.repository = repository;
    this.idempotency = idempotency;
    this.uploads = uploads;
    this.planner = planner;
    this.expandInRequestUpTo = properties.expandInRequestUpTo();
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
    long items = products * options.spec().variants().size();
    BatchPlan plan = planner.plan(options, items, now);
    repository.finishUploadedBatch(batch, options, products, items, plan, now);
    boolean pending = products > expandInRequestUpTo;
    if (!pending) {
      repository.expandItems(batch.value(), now);
    }
    return new Stored(products, items, plan, pending);
  }
}
