package io.catalogimage.api.intake;

import io.catalogimage.common.id.BatchId;
import io.catalogimage.common.id.TenantId;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Instant;

/**
 * The validated rows of a streamed upload, spooled to two temporary files in COPY format while the
 * body is read (memory stays flat whatever the size), copied into Postgres in one transaction once
 * the whole upload is known to be valid, and deleted afterwards either way.
 */
final class UploadSpool implements AutoCloseable {

  private final TenantId tenant;
  private final BatchId batch;
  private final ValidSubmission options;
  private final Instant now;
  private final Path productFile;
  private final Path itemFile;
  private final CopyWriter productRows;
  private final CopyWriter itemRows;
  private int products;

  UploadSpool(TenantId tenant, BatchId batch, ValidSubmission options, Instant now) {
    this.tenant = tenant;
    this.batch = batch;
    this.options = options;
    this.now = now;
    try {
      productFile = Files.createTempFile("upload-products-", ".csv");
      itemFile = Files.createTempFile("upload-items-", ".csv");
      productRows =
          CopyWriter.toFile(new BufferedOutputStream(Files.newOutputStream(productFile), 1 << 16));
      itemRows =
          CopyWriter.toFile(new BufferedOutputStream(Files.newOutputStream(itemFile), 1 << 16));
    } catch (IOException e) {
      throw new UncheckedIOException("could not create the upload's spool files", e);
    }
  }

  void add(ValidSubmission.Product product) {
    try {
      IntakeRepository.productRow(productRows, tenant, batch, products, product);
      IntakeRepository.itemRows(itemRows, tenant, batch, options, products, product.sku(), now);
    } catch (SQLException e) {
      throw new IllegalStateException(e.getMessage(), e);
    }
    products++;
  }

  /** Ends writing; the counts and the files are final from here. */
  void finish() {
    try {
      productRows.finish();
      itemRows.finish();
    } catch (SQLException e) {
      throw new IllegalStateException(e.getMessage(), e);
    }
  }

  long products() {
    return products;
  }

  long items() {
    return (long) products * options.spec().variants().size();
  }

  InputStream productRows() throws IOException {
    return new BufferedInputStream(Files.newInputStream(productFile), 1 << 16);
  }

  InputStream itemRows() throws IOException {
    return new BufferedInputStream(Files.newInputStream(itemFile), 1 << 16);
  }

  @Override
  public void close() {
    try {
      productRows.close();
      itemRows.close();
    } catch (SQLException e) {
      // the files are deleted below anyway
    }
    try {
      Files.deleteIfExists(productFile);
      Files.deleteIfExists(itemFile);
    } catch (IOException e) {
      throw new UncheckedIOException("could not delete the upload's spool files", e);
    }
  }
}
