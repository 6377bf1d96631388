package io.catalogimage.api.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.catalogimage.api.ApiTestInfrastructure;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * A cap hold left by a worker that died between booking a call's reservation and writing its ledger
 * row is deleted by the api's reclaim loop once no recount counts it any more, and a hold still in
 * its window is left alone: the table does not grow with every worker killed.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class StaleCapHoldsTest {

  @DynamicPropertySource
  static void infrastructure(DynamicPropertyRegistry registry) {
    ApiTestInfrastructure.register(registry);
    registry.add("pipeline.dispatch.reclaim-interval", () -> "100ms");
    registry.add("pipeline.dispatch.reclaim-grace-after-outage", () -> "0s");
    registry.add("pipeline.dispatch.cap-hold-sweep-interval", () -> "100ms");
  }

  @Autowired JdbcClient db;

  @Test
  void holdsOlderThanTheRecountsWindowAreDeletedAndFreshOnesKept() {
    UUID stale = hold("interval '11 minutes'");
    UUID fresh = hold("interval '9 minutes'");
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(() -> assertThat(holds()).doesNotContain(stale));
    assertThat(holds()).contains(fresh);
  }

  private UUID hold(String age) {
    UUID item = UUID.randomUUID();
    db.sql(
            "INSERT INTO cap_holds (item_id, batch_id, tenant_id, batch_usd, held_at)"
                + " VALUES (:item, :batch, :tenant, 0.067, now() - "
                + age
                + ")")
        .param("item", item)
        .param("batch", UUID.randomUUID())
        .param("tenant", UUID.randomUUID())
        .update();
    return item;
  }

  private List<UUID> holds() {
    return db.sql("SELECT item_id FROM cap_holds").query(UUID.class).list();
  }
}
