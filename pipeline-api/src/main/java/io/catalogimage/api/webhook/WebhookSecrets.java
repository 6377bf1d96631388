package io.catalogimage.api.webhook;

import io.catalogimage.common.id.TenantId;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/** Each tenant's signing secret: made on first use, replaced on request. */
@Component
public class WebhookSecrets {

  private static final String GET_OR_MAKE =
      """
      UPDATE tenants SET webhook_secret = coalesce(webhook_secret, :fresh)
       WHERE tenant_id = :tenant RETURNING webhook_secret
      """;

  private static final String ROTATE =
      "UPDATE tenants SET webhook_secret = :fresh WHERE tenant_id = :tenant RETURNING webhook_secret";

  private final JdbcClient jdbc;

  WebhookSecrets(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  public String secret(TenantId tenant) {
    // read first: every delivery asks, and an UPDATE would write a row version each time
    String secret =
        jdbc.sql("SELECT webhook_secret FROM tenants WHERE tenant_id = :tenant")
            .param("tenant", tenant.value())
            .query((rs, i) -> rs.getString(1))
            .list()
            .get(0);
    return secret != null ? secret : run(GET_OR_MAKE, tenant);
  }

  /** A new secret; deliveries from now on (retries too) are signed with it. */
  public String rotate(TenantId tenant) {
    return run(ROTATE, tenant);
  }

  private String run(String sql, TenantId tenant) {
    return jdbc.sql(sql)
        .param("fresh", WebhookSignature.newSecret())
        .param("tenant", tenant.value())
        .query(String.class)
        .single();
  }
}
