package io.catalogimage.api.batch;

import io.catalogimage.common.id.BatchId;
import io.catalogimage.common.id.TenantId;
import io.catalogimage.common.loop.PollingLoop;
import io.catalogimage.common.loop.RunsInLoop;
import io.catalogimage.common.storage.ObjectKeys;
import io.catalogimage.common.storage.ObjectStore;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Puts each finished batch's manifest ({@code manifest.jsonl}, object keys, no expiring URLs) into
 * object storage next to its images. Driven by the database, not by the moment a batch finishes: a
 * crash between the two only delays the manifest, and a rewrite overwrites the same key.
 */
@Component
class WriteManifests implements RunsInLoop {

  private static final Logger log = LoggerFactory.getLogger(WriteManifests.class);

  private static final String DUE =
      """
      SELECT batch_id, tenant_id FROM batches
       WHERE finished_at IS NOT NULL AND manifest_key IS NULL
       ORDER BY finished_at LIMIT 10
      """;

  private static final String MARK_WRITTEN =
      "UPDATE batches SET manifest_key = :key WHERE batch_id = :batch AND manifest_key IS NULL";

  private final JdbcClient jdbc;
  private final ManifestLines lines;
  private final ObjectStore store;
  private final PollingLoop loop;

  WriteManifests(JdbcClient jdbc, ManifestLines lines, ObjectStore store) {
    this.jdbc = jdbc;
    this.lines = lines;
    this.store = store;
    this.loop = new PollingLoop("WriteManifests", Duration.ofSeconds(1), this::writeDue);
  }

  private record Due(BatchId batch, TenantId tenant) {}

  /** Returns true when there may be more to do at once. */
  boolean writeDue() {
    List<Due> due =
        jdbc.sql(DUE)
            .query(
                (rs, i) ->
                    new Due(
                        new BatchId(rs.getObject("batch_id", UUID.class)),
                        new TenantId(rs.getObject("tenant_id", UUID.class))))
            .list();
    for (Due d : due) {
      write(d);
    }
    return due.size() == 10;
  }

  private void write(Due d) {
    String key = ObjectKeys.manifest(d.tenant(), d.batch());
    Path file = null;
    try {
      file = Files.createTempFile("manifest-", ".jsonl");
      long count;
      try (OutputStream out = Files.newOutputStream(file)) {
        count = lines.write(d.tenant(), d.batch(), null, out);
      }
      store.putFile(key, file, "application/x-ndjson");
      jdbc.sql(MARK_WRITTEN).param("key", key).param("batch", d.batch().value()).update();
      log.info("manifest of batch {} written: {} lines at {}", d.batch(), count, key);
    } catch (IOException e) {
      throw new UncheckedIOException("could not write the manifest of " + d.batch(), e);
    } finally {
      if (file != null) {
        try {
          Files.deleteIfExists(file);
        } catch (IOException ignored) {
          // a temp file left behind is harmless
        }
      }
    }
  }

  @Override
  public PollingLoop loop() {
    return loop;
  }
}
