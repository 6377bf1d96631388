package io.catalogimage.api.schedule;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.springframework.jdbc.core.RowCallbackHandler;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceUtils;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.annotation.Transactional;

/** A schedule's catalog state: what the diff reads, what a run writes, what its manifest lists. */
@Repository
class CatalogRepository {

  private static final String LOAD =
      """
      SELECT key_hash, coalesce(done_hash, 0) AS done_hash, variant FROM schedule_catalog
       WHERE schedule_id = :s ORDER BY key_hash
      """;

  private static final String PENDING =
      """
      INSERT INTO schedule_catalog (schedule_id, sku, variant, key_hash, pending_run, pending_hash)
      SELECT :s, p.sku, f.variant, f.key_hash, :run, f.content_hash
        FROM feed_pending f JOIN products p ON p.batch_id = :batch AND p.product_no = f.product_no
      ON CONFLICT (schedule_id, sku, variant)
      DO UPDATE SET key_hash = EXCLUDED.key_hash, pending_run = EXCLUDED.pending_run,
                    pending_hash = EXCLUDED.pending_hash
      """;

  private static final String REMOVE =
      """
      WITH gone AS (
        DELETE FROM schedule_catalog c USING feed_removed r
         WHERE c.schedule_id = :s AND c.key_hash = r.key_hash
        RETURNING c.sku, c.variant, c.image_key, c.sidecar_key)
      INSERT INTO schedule_run_removed (run_id, sku, variant, image_key, sidecar_key)
      SELECT :run, sku, variant, image_key, sidecar_key FROM gone
      ON CONFLICT DO NOTHING
      """;

  /** Lines whose new images were made take them; the others keep their last ones. */
  private static final String APPLY =
      """
      UPDATE schedule_catalog c
         SET done_hash = c.pending_hash, done_item = i.item_id, image_key = i.image_key,
             sidecar_key = i.sidecar_key, done_run = :run, done_at = i.finished_at
        FROM items i
       WHERE c.pending_run = :run AND i.batch_id = :batch AND i.sku = c.sku
         AND i.variant = c.variant AND i.state = 'SUCCEEDED'
      """;

  private static final String CLEAR_PENDING =
      "UPDATE schedule_catalog SET pending_run = NULL, pending_hash = NULL WHERE pending_run = :run";

  /**
   * Every line of the catalog after the run's diff, in SKU order: those the run made (with their
   * item), the others with the images they keep; then the removed ones.
   */
  private static final String MANIFEST =
      """
      SELECT c.sku, c.variant, (c.pending_run = :run) AS made, i.item_id, i.state,
             coalesce(i.image_key, c.image_key) AS image_key,
             coalesce(i.sidecar_key, c.sidecar_key) AS sidecar_key,
             c.image_key AS previous_image_key,
             CAST(coalesce(i.alt_text, d.alt_text) AS text) AS alt_text,
             coalesce(i.caption, d.caption) AS caption, coalesce(i.model_served, d.model_served)
               AS model_served, i.cost_usd, i.last_error_type, i.last_error_message,
             c.done_run, c.done_item
        FROM schedule_catalog c
        LEFT JOIN items i ON c.pending_run = :run AND i.batch_id = :batch AND i.sku = c.sku
                         AND i.variant = c.variant
        LEFT JOIN items d ON c.pending_run IS NULL AND d.item_id = c.done_item
       WHERE c.schedule_id = :s
       ORDER BY c.sku, c.variant
      """;

  private static final String MANIFEST_REMOVED =
      """
      SELECT sku, variant, image_key, sidecar_key FROM schedule_run_removed
       WHERE run_id = :run ORDER BY sku, variant
      """;

  private final JdbcClient jdbc;
  private final DataSource dataSource;

  CatalogRepository(JdbcClient jdbc, DataSource dataSource) {
    this.jdbc = jdbc;
    this.dataSource = dataSource;
  }

  /** The schedule's catalog, sorted by key, streamed into arrays (no row objects kept). */
  @Transactional(readOnly = true)
  public CatalogState load(UUID schedule) {
    int count =
        jdbc.sql("SELECT count(*) FROM schedule_catalog WHERE schedule_id = :s")
            .param("s", schedule)
            .query(Integer.class)
            .single();
    long[] keys = new long[count];
    long[] hashes = new long[count];
    byte[] variants = new byte[count];
    List<String> names = new ArrayList<>();
    Map<String, Byte> index = new HashMap<>();
    int[] n = {0};
    jdbc.sql(LOAD)
        .withFetchSize(10_000)
        .param("s", schedule)
        .query(
            (RowCallbackHandler)
                rs -> {
                  if (n[0] == keys.length) {
                    return; // rows added since the count: the next run sees them
                  }
                  keys[n[0]] = rs.getLong(1);
                  hashes[n[0]] = rs.getLong(2);
                  variants[n[0]] =
                      index.computeIfAbsent(
                          rs.getString(3),
                          v -> {
                            names.add(v);
                            return (byte) (names.size() - 1);
                          });
                  n[0]++;
                });
    return new CatalogState(
        Arrays.copyOf(keys, n[0]),
        Arrays.copyOf(hashes, n[0]),
        Arrays.copyOf(variants, n[0]),
        List.copyOf(names));
  }

  /** Lines to make, buffered as primitives until the run's products are stored. */
  static final class PendingLines {
    private int size;
    private int[] productNos = new int[1024];
    private byte[] variants = new byte[1024];
    private long[] keys = new long[1024];
    private long[] hashes = new long[1024];

    void add(int productNo, int variant, long key, long hash) {
      if (size == productNos.length) {
        int n = size * 2;
        productNos = Arrays.copyOf(productNos, n);
        variants = Arrays.copyOf(variants, n);
        keys = Arrays.copyOf(keys, n);
        hashes = Arrays.copyOf(hashes, n);
      }
      productNos[size] = productNo;
      variants[size] = (byte) variant;
      keys[size] = key;
      hashes[size] = hash;
      size++;
    }

    int size() {
      return size;
    }
  }

  /**
   * Records what the run is making (its products are stored in {@code batch} by now): each line's
   * key and new hash, pending until the batch ends. In the caller's transaction.
   */
  void markPending(
      UUID schedule, UUID run, UUID batch, PendingLines lines, List<String> variantNames) {
    if (lines.size() == 0) {
      return;
    }
    jdbc.sql(
            """
            CREATE TEMP TABLE IF NOT EXISTS feed_pending (product_no int, variant text,
                key_hash bigint, content_hash bigint) ON COMMIT DROP
            """)
        .update();
    copy(
        "COPY feed_pending FROM STDIN (FORMAT csv)",
        lines.size(),
        (i, row) ->
            row.append(lines.productNos[i])
                .append(',')
                .append(variantNames.get(lines.variants[i]))
                .append(',')
                .append(lines.keys[i])
                .append(',')
                .append(lines.hashes[i]));
    jdbc.sql(PENDING).param("s", schedule).param("run", run).param("batch", batch).update();
  }

  /** Moves the lines the feed no longer has out of the catalog, into the run's removed list. */
  long remove(UUID schedule, UUID run, long[] keys) {
    if (keys.length == 0) {
      return 0;
    }
    jdbc.sql("CREATE TEMP TABLE IF NOT EXISTS feed_removed (key_hash bigint) ON COMMIT DROP")
        .update();
    copy("COPY feed_removed FROM STDIN (FORMAT csv)", keys.length, (i, row) -> row.append(keys[i]));
    return jdbc.sql(REMOVE).param("s", schedule).param("run", run).update();
  }

  /** The run's batch has ended: made lines take their new images, the rest keep theirs. */
  void apply(UUID run, UUID batch) {
    if (batch != null) {
      jdbc.sql(APPLY).param("run", run).param("batch", batch).update();
    }
    jdbc.sql(CLEAR_PENDING).param("run", run).update();
  }

  /** Streams the manifest's lines (the catalog after the diff) to {@code line}. */
  @Transactional(readOnly = true)
  public void manifest(UUID schedule, UUID run, UUID batch, RowCallbackHandler line) {
    jdbc.sql(MANIFEST)
        .withFetchSize(1000)
        .param("s", schedule)
        .param("run", run)
        .param("batch", batch)
        .query(line);
  }

  @Transactional(readOnly = true)
  public void manifestRemoved(UUID run, RowCallbackHandler line) {
    jdbc.sql(MANIFEST_REMOVED).withFetchSize(1000).param("run", run).query(line);
  }

  /** Counts of a finished batch's items: succeeded, and ended otherwise. */
  long[] itemOutcomes(UUID batch) {
    if (batch == null) {
      return new long[] {0, 0};
    }
    return jdbc.sql(
            """
            SELECT coalesce(sum(n) FILTER (WHERE state = 'SUCCEEDED'), 0),
                   coalesce(sum(n) FILTER (WHERE state <> 'SUCCEEDED'), 0)
              FROM batch_item_counts WHERE batch_id = :b
            """)
        .param("b", batch)
        .query((ResultSet rs, int i) -> new long[] {rs.getLong(1), rs.getLong(2)})
        .single();
  }

  java.math.BigDecimal cost(UUID batch) {
    if (batch == null) {
      return java.math.BigDecimal.ZERO;
    }
    return jdbc.sql("SELECT coalesce(sum(cost_usd), 0) FROM batch_item_counts WHERE batch_id = :b")
        .param("b", batch)
        .query(java.math.BigDecimal.class)
        .single();
  }

  interface RowText {
    void write(int index, StringBuilder row);
  }

  /** COPY of {@code rows} simple (unquoted) rows on the transaction's connection. */
  private void copy(String sql, int rows, RowText text) {
    Connection connection = DataSourceUtils.getConnection(dataSource);
    try {
      CopyIn in = connection.unwrap(PGConnection.class).getCopyAPI().copyIn(sql);
      try {
        StringBuilder buffer = new StringBuilder(1 << 17);
        for (int i = 0; i < rows; i++) {
          text.write(i, buffer);
          buffer.append('\n');
          if (buffer.length() > (1 << 16)) {
            byte[] bytes = buffer.toString().getBytes(StandardCharsets.UTF_8);
            in.writeToCopy(bytes, 0, bytes.length);
            buffer.setLength(0);
          }
        }
        byte[] bytes = buffer.toString().getBytes(StandardCharsets.UTF_8);
        in.writeToCopy(bytes, 0, bytes.length);
        in.endCopy();
      } finally {
        if (in.isActive()) {
          in.cancelCopy();
        }
      }
    } catch (SQLException e) {
      throw new IllegalStateException("could not write the run's catalog lines", e);
    } finally {
      DataSourceUtils.releaseConnection(connection, dataSource);
    }
  }

  static Timestamp ts(Instant i) {
    return i == null ? null : Timestamp.from(i);
  }
}
