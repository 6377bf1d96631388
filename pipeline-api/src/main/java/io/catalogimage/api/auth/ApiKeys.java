package io.catalogimage.api.auth;

import io.catalogimage.common.id.TenantId;
import io.catalogimage.common.id.Uuids;
import java.security.MessageDigest;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** Tenants and their API keys. */
@Repository
public class ApiKeys {

  /** A tenant as the admin api shows it. */
  public record Tenant(String id, String name, Instant createdAt) {}

  /** A key as listings show it: never the secret. */
  public record KeyInfo(
      String id, String prefix, String name, Instant createdAt, Instant revokedAt) {}

  /** A key just issued: the only time {@code key} is shown. */
  public record IssuedKey(String id, String prefix, String name, Instant createdAt, String key) {

    /** The key is in the JSON answer (once); never in a log line. */
    @Override
    public String toString() {
      return "IssuedKey[id=" + id + ", prefix=" + prefix + ", name=" + name + ", key=<redacted>]";
    }
  }

  private final JdbcClient jdbc;

  public ApiKeys(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /** The tenant of a valid, unrevoked key. */
  public Optional<TenantId> authenticate(String key) {
    Optional<String> prefix = ApiKeyFormat.parse(key);
    if (prefix.isEmpty()) {
      return Optional.empty();
    }
    record Row(UUID tenant, byte[] hash) {}
    return jdbc.sql(
            "SELECT tenant_id, secret_hash FROM api_keys WHERE prefix = :p AND revoked_at IS NULL")
        .param("p", prefix.get())
        .query((rs, i) -> new Row(rs.getObject(1, UUID.class), rs.getBytes(2)))
        .optional()
        .filter(row -> MessageDigest.isEqual(row.hash(), ApiKeyFormat.hash(key)))
        .map(row -> new TenantId(row.tenant()));
  }

  /** Empty when the name is taken. */
  public Optional<Tenant> createTenant(String name, Instant now) {
    UUID id = Uuids.v7();
    try {
      jdbc.sql("INSERT INTO tenants (tenant_id, name, created_at) VALUES (:id, :name, :now)")
          .param("id", id)
          .param("name", name)
          .param("now", Timestamp.from(now))
          .update();
    } catch (DuplicateKeyException taken) {
      return Optional.empty();
    }
    return Optional.of(new Tenant(id.toString(), name, now));
  }

  public List<Tenant> tenants() {
    return jdbc.sql("SELECT tenant_id, name, created_at FROM tenants ORDER BY created_at")
        .query(
            (rs, i) ->
                new Tenant(
                    rs.getObject(1, UUID.class).toString(),
                    rs.getString(2),
                    rs.getTimestamp(3).toInstant()))
        .list();
  }

  public boolean tenantExists(TenantId tenant) {
    return jdbc.sql("SELECT count(*) FROM tenants WHERE tenant_id = :t")
            .param("t", tenant.value())
            .query(Long.class)
            .single()
        > 0;
  }

  public IssuedKey issue(TenantId tenant, String name, Instant now) {
    return store(tenant, ApiKeyFormat.generate(), name, now);
  }

  /** Stores a key given by configuration (the bootstrap key) unless it is there already. */
  public void ensure(TenantId tenant, String key, String name, Instant now) {
    String prefix = ApiKeyFormat.parse(key).orElseThrow();
    long known =
        jdbc.sql("SELECT count(*) FROM api_keys WHERE prefix = :p")
            .param("p", prefix)
            .query(Long.class)
            .single();
    if (known == 0) {
      store(tenant, key, name, now);
    }
  }

  private IssuedKey store(TenantId tenant, String key, String name, Instant now) {
    UUID id = Uuids.v7();
    String prefix = ApiKeyFormat.parse(key).orElseThrow();
    jdbc.sql(
            """
            INSERT INTO api_keys (key_id, tenant_id, prefix, secret_hash, name, created_at)
            VALUES (:id, :tenant, :prefix, :hash, :name, :now)
            """)
        .param("id", id)
        .param("tenant", tenant.value())
        .param("prefix", prefix)
        .param("hash", ApiKeyFormat.hash(key))
        .param("name", name)
        .param("now", Timestamp.from(now))
        .update();
    return new IssuedKey(id.toString(), prefix, name, now, key);
  }

  public List<KeyInfo> keys(TenantId tenant) {
    return jdbc.sql(
            """
            SELECT key_id, prefix, name, created_at, revoked_at FROM api_keys
             WHERE tenant_id = :t ORDER BY created_at
            """)
        .param("t", tenant.value())
        .query(
            (rs, i) ->
                new KeyInfo(
                    rs.getObject(1, UUID.class).toString(),
                    rs.getString(2),
                    rs.getString(3),
                    rs.getTimestamp(4).toInstant(),
                    rs.getTimestamp(5) == null ? null : rs.getTimestamp(5).toInstant()))
        .list();
  }

  /** False when the tenant has no such key. Revoking twice keeps the first time. */
  public boolean revoke(TenantId tenant, UUID keyId, Instant now) {
    return jdbc.sql(
                """
                UPDATE api_keys SET revoked_at = coalesce(revoked_at, :now)
                 WHERE key_id = :k AND tenant_id = :t
                """)
            .param("now", Timestamp.from(now))
            .param("k", keyId)
            .param("t", tenant.value())
            .update()
        == 1;
  }
}
