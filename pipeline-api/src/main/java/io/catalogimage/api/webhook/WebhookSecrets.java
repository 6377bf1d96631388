package io.catalogimage.api.webhook;

import io.catalogimage.common.id.TenantId;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Each tenant's signing secret: made on first use, replaced on request. A replaced secret keeps
 * signing next to the new one for {@code pipeline.webhooks.secret-overlap}, so a receiver can
 * switch to the new secret without rejecting what is already on its way.
 */
@Component
public class WebhookSecrets {

  private static final String GET_OR_MAKE =
      """
      UPDATE tenants SET webhook_secret = coalesce(webhook_secret, :fresh)
       WHERE tenant_id = :tenant RETURNING webhook_secret
      """;

  private static final String ROTATE =
      """
      UPDATE tenants SET webhook_secret_previous = webhook_secret,
                         webhook_secret_previous_until = CASE WHEN webhook_secret IS NULL THEN NULL
                                                              ELSE CAST(:until AS timestamptz) END,
                         webhook_secret = :fresh
       WHERE tenant_id = :tenant
      """;

  private static final String SECRETS =
      """
      SELECT webhook_secret, webhook_secret_previous, webhook_secret_previous_until
        FROM tenants WHERE tenant_id = :tenant
      """;

  /** The secret and, while it still signs, the one it replaced (null otherwise). */
  public record Secrets(String current, String previous, Instant previousUntil) {

    /** Shown to the tenant in its settings, never in a log line. */
    @Override
    public String toString() {
      return "Secrets[current=<redacted>, previous="
          + (previous == null ? "<none>" : "<redacted>")
          + ", previousUntil="
          + previousUntil
          + "]";
    }
  }

  private final JdbcClient jdbc;
  private final Clock clock;
  private final Duration overlap;

  WebhookSecrets(JdbcClient jdbc, Clock clock, WebhookProperties props) {
    this.jdbc = jdbc;
    this.clock = clock;
    this.overlap = props.secretOverlap();
  }

  public String secret(TenantId tenant) {
    return secrets(tenant).current();
  }

  /** The current secret (made if the tenant has none yet) and a previous one still signing. */
  public Secrets secrets(TenantId tenant) {
    // read first: every delivery asks, and an UPDATE would write a row version each time
    Secrets s =
        jdbc.sql(SECRETS)
            .param("tenant", tenant.value())
            .query(
                (rs, i) -> {
                  Timestamp until = rs.getTimestamp(3);
                  boolean signing = until != null && until.toInstant().isAfter(clock.instant());
                  return new Secrets(
                      rs.getString(1),
                      signing ? rs.getString(2) : null,
                      signing ? until.toInstant() : null);
                })
            .list()
            .get(0);
    if (s.current() != null) {
      return s;
    }
    return new Secrets(run(GET_OR_MAKE, tenant), null, null);
  }

  /** Every secret that signs now: the current one first. */
  List<String> signing(TenantId tenant) {
    Secrets s = secrets(tenant);
    List<String> all = new ArrayList<>(List.of(s.current()));
    if (s.previous() != null) {
      all.add(s.previous());
    }
    return all;
  }

  /** A new secret; the old one goes on signing next to it for the overlap. */
  public Secrets rotate(TenantId tenant) {
    jdbc.sql(ROTATE)
        .param("fresh", WebhookSignature.newSecret())
        .param("until", Timestamp.from(clock.instant().plus(overlap)))
        .param("tenant", tenant.value())
        .update();
    return secrets(tenant);
  }

  private String run(String sql, TenantId tenant) {
    return jdbc.sql(sql)
        .param("fresh", WebhookSignature.newSecret())
        .param("tenant", tenant.value())
        .query(String.class)
        .single();
  }
}
