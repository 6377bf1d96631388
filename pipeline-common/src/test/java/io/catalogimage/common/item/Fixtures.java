package io.catalogimage.common.item;

import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;

/** Rows for repository tests: a batch of the default tenant with one product and its items. */
final class Fixtures {

  static final UUID TENANT = UUID.fromString("00000000-0000-0000-0000-000000000001");

  private Fixtures() {}

  static UUID batch(JdbcClient jdbc) {
    UUID batch = UUID.randomUUID();
    jdbc.sql(
            """
            INSERT INTO batches (batch_id, tenant_id, name, tier, lane, spec, product_count,
                                 item_count, state)
            VALUES (:b, :t, 'test', 'fast', 'bulk',
                    CAST('{"variants": [{"name": "listing", "aspectRatio": "1:1", "size": "1K"}],
                           "altTextLocales": ["en"], "promptTemplate": "{{title}}"}' AS jsonb),
                    1, 1, 'ACCEPTED')
            """)
        .param("b", batch)
        .param("t", TENANT)
        .update();
    jdbc.sql(
            """
            INSERT INTO products (batch_id, product_no, tenant_id, sku, data)
            VALUES (:b, 0, :t, 'SKU-1',
                    CAST('{"title": "Mug", "prompt": "A mug", "attributes": {}}' AS jsonb))
            """)
        .param("b", batch)
        .param("t", TENANT)
        .update();
    return batch;
  }

  static UUID item(JdbcClient jdbc, String state) {
    return item(jdbc, batch(jdbc), state, 0);
  }

  static UUID item(JdbcClient jdbc, UUID batch, String state, int itemNo) {
    UUID item = UUID.randomUUID();
    jdbc.sql(
            """
            INSERT INTO items (item_id, tenant_id, batch_id, product_no, item_no, sku, variant,
                               state, lane, not_before)
            VALUES (:i, :t, :b, 0, :n, 'SKU-1', 'listing', :s, 'bulk', now() - interval '1 s')
            """)
        .param("i", item)
        .param("t", TENANT)
        .param("b", batch)
        .param("n", itemNo)
        .param("s", state)
        .update();
    return item;
  }
}
