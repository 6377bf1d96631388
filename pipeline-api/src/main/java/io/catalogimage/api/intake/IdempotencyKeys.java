package io.catalogimage.api.intake;

import io.catalogimage.common.id.BatchId;
import io.catalogimage.common.id.TenantId;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** Which batch an {@code Idempotency-Key} made, and from which body (its SHA-256). */
@Repository
class IdempotencyKeys {

  /** A key already used. */
  record Used(BatchId batch, byte[] requestHash) {}

  private final JdbcClient jdbc;

  IdempotencyKeys(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  Optional<Used> find(TenantId tenant, String key) {
    return jdbc.sql(
            "SELECT batch_id, request_hash FROM idempotency_keys WHERE tenant_id = :t AND key = :k")
        .param("t", tenant.value())
        .param("k", key)
        .query((rs, i) -> new Used(new BatchId(rs.getObject(1, UUID.class)), rs.getBytes(2)))
        .optional();
  }

  /** In the batch's transaction; a concurrent twin makes it fail on the primary key. */
  void record(TenantId tenant, String key, byte[] requestHash, BatchId batch) {
    jdbc.sql(
            """
            INSERT INTO idempotency_keys (tenant_id, key, request_hash, batch_id)
            VALUES (:t, :k, :h, :b)
            """)
        .param("t", tenant.value())
        .param("k", key)
        .param("h", requestHash)
        .param("b", batch.value())
        .update();
  }
}
