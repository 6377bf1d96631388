package io.catalogimage.common.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.catalogimage.common.id.BatchId;
import io.catalogimage.common.id.TenantId;
import org.junit.jupiter.api.Test;

class ObjectKeysTest {

  private static final TenantId TENANT = TenantId.of("00000000-0000-0000-0000-000000000001");
  private static final BatchId BATCH = BatchId.of("0190f1e2-0000-7000-8000-000000000002");

  @Test
  void keys_are_deterministic_and_readable_for_ordinary_skus() {
    assertThat(ObjectKeys.image(TENANT, BATCH, "TS-001", "listing"))
        .isEqualTo("tenants/" + TENANT + "/batches/" + BATCH + "/TS-001/listing.png");
    assertThat(ObjectKeys.sidecar(TENANT, BATCH, "TS-001", "listing"))
        .endsWith("/TS-001/listing.json");
  }

  @Test
  void a_sku_cannot_climb_out_of_its_batch_prefix() {
    String key = ObjectKeys.image(TENANT, BATCH, "../../other-tenant/x", "listing");
    assertThat(key).startsWith(ObjectKeys.batchPrefix(TENANT, BATCH));
    String[] segments = key.substring(ObjectKeys.batchPrefix(TENANT, BATCH).length()).split("/");
    assertThat(segments).hasSize(2).doesNotContain("..", ".");
    assertThat(ObjectKeys.segment("..")).isEqualTo("%2E%2E");
    assertThat(ObjectKeys.segment("a/b")).isEqualTo("a%2Fb");
  }

  @Test
  void non_latin_skus_are_percent_encoded_as_utf8() {
    assertThat(ObjectKeys.segment("抹茶")).isEqualTo("%E6%8A%B9%E8%8C%B6");
  }

  @Test
  void an_empty_segment_is_refused() {
    assertThatThrownBy(() -> ObjectKeys.segment("")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void an_attempts_objects_have_their_own_keys_under_the_item() {
    var batch = new io.catalogimage.common.id.BatchId(new java.util.UUID(1, 2));
    assertThat(ObjectKeys.image(TenantId.DEFAULT, batch, "TS 1", "listing", 3))
        .endsWith("/TS%201/listing.a3.png");
    assertThat(ObjectKeys.sidecar(TenantId.DEFAULT, batch, "TS 1", "listing", 3))
        .endsWith("/TS%201/listing.a3.json");
  }

  @Test
  void a_sku_is_storable_only_when_its_encoded_key_part_fits_255_bytes() {
    assertThat(ObjectKeys.skuProblem("A".repeat(128))).isEmpty();
    assertThat(ObjectKeys.skuProblem("商".repeat(28))).isEmpty(); // 28 x 9 = 252 bytes
    assertThat(ObjectKeys.skuProblem("商".repeat(29))).isPresent();
    assertThat(ObjectKeys.skuProblem("/".repeat(128))).get().asString().contains("384 bytes");
    assertThat(ObjectKeys.skuProblem("\uD83D\uDE00".repeat(32))).isPresent();
  }
}
