package io.catalogimage.worker.claim;

import io.catalogimage.common.batch.BatchSpec;
import io.catalogimage.common.batch.ProductData;
import io.catalogimage.common.id.BatchId;
import io.catalogimage.common.id.ItemId;
import io.catalogimage.common.id.TenantId;
import io.catalogimage.common.item.ItemRepository;
import io.catalogimage.common.json.Json;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.springframework.stereotype.Component;
import tools.jackson.core.type.TypeReference;

/**
 * Leases on items: a worker claims DISPATCHED items (one statement for a whole poll) and renews the
 * leases it holds while it works; the statements themselves are {@link ItemRepository}'s.
 */
@Component
public class ItemClaims {

  private static final TypeReference<Map<String, Integer>> FAILURES = new TypeReference<>() {};

  private final ItemRepository items;

  public ItemClaims(ItemRepository items) {
    this.items = items;
  }

  /**
   * What a claim took: items ready to run, and items claimed whose stored data cannot be read (a
   * variant the batch does not have, unreadable JSON): those must not wait for their lease to run
   * out again and again, the caller fails them.
   */
  public record Claimed(List<ClaimedItem> items, List<Unreadable> unreadable) {}

  /** An item claimed (held at {@code version}) whose data could not be read. */
  public record Unreadable(ItemId item, int version, String reason) {}

  public Claimed claim(List<ItemId> ids, String worker, Instant now, Instant until) {
    List<Object> rows =
        items.claim(
            ids,
            worker,
            now,
            until,
            (rs, i) -> {
              try {
                return read(rs);
              } catch (RuntimeException e) {
                return new Unreadable(
                    new ItemId(rs.getObject("item_id", UUID.class)),
                    rs.getInt("version"),
                    e.toString());
              }
            });
    List<ClaimedItem> ok = new java.util.ArrayList<>();
    List<Unreadable> bad = new java.util.ArrayList<>();
    for (Object row : rows) {
      if (row instanceof ClaimedItem c) {
        ok.add(c);
      } else {
        bad.add((Unreadable) row);
      }
    }
    return new Claimed(ok, bad);
  }

  /**
   * Holds (RUNNING, leased to {@code worker}) the items of a provider job that still wait for it,
   * to settle the job's answers for them; those whose data cannot be read are left out.
   */
  public List<ClaimedItem> takeBatchResults(
      List<ItemId> ids, java.util.UUID job, String worker, Instant now, Instant until) {
    return items
        .takeBatchResults(
            ids,
            job,
            worker,
            now,
            until,
            (rs, i) -> {
              try {
                return read(rs);
              } catch (RuntimeException e) {
                return null;
              }
            })
        .stream()
        .filter(java.util.Objects::nonNull)
        .toList();
  }

  private static ClaimedItem read(java.sql.ResultSet rs) throws java.sql.SQLException {
    BatchSpec spec = Json.mapper().readValue(rs.getString("spec"), BatchSpec.class);
    ProductData product = Json.mapper().readValue(rs.getString("data"), ProductData.class);
    return new ClaimedItem(
        new ItemId(rs.getObject("item_id", UUID.class)),
        new TenantId(rs.getObject("tenant_id", UUID.class)),
        new BatchId(rs.getObject("batch_id", UUID.class)),
        rs.getString("sku"),
        spec.variant(rs.getString("variant")),
        rs.getString("tier"),
        spec.altTextLocales(),
        spec.styleGuide(),
        product.prompt(),
        rs.getInt("attempts"),
        rs.getString("next_model"),
        product.referenceImage(),
        rs.getString("lane"),
        rs.getTimestamp("deadline") == null ? null : rs.getTimestamp("deadline").toInstant(),
        rs.getBigDecimal("cost_cap_usd"),
        rs.getBoolean("allow_safety_reroute"),
        rs.getBigDecimal("monthly_cap_usd"),
        rs.getInt("attempts_before_run"),
        rs.getInt("version"),
        rs.getString("route_reason"),
        Json.mapper().readValue(rs.getString("failures_by_model"), FAILURES),
        Json.mapper().readValue(rs.getString("rate_limits_by_model"), FAILURES),
        product.title(),
        category(product),
        merchantTexts(rs.getString("alt_text_checks")),
        edit(rs.getString("edit")),
        spec.settings(),
        recaption(rs));
  }

  /** The locales whose alt text the merchant set (source merchant), with their text. */
  private static Map<String, String> merchantTexts(String checksJson) {
    if (checksJson == null) {
      return Map.of();
    }
    Map<String, String> out = new java.util.LinkedHashMap<>();
    Json.mapper()
        .readTree(checksJson)
        .properties()
        .forEach(
            e -> {
              if ("merchant".equals(e.getValue().path("source").asString(null))
                  && e.getValue().path("text").isString()) {
                out.put(e.getKey(), e.getValue().path("text").asString());
              }
            });
    return out;
  }

  private static String category(ProductData product) {
    for (String key : List.of("category", "product_type", "google_product_category")) {
      Object v = product.attributes().get(key);
      if (v instanceof String s && !s.isBlank()) {
        return s;
      }
    }
    return null;
  }

  /** The pending edit's row, as {@code row_to_json} wrote it; null for a generation. */
  private static PendingEdit edit(String json) {
    if (json == null) {
      return null;
    }
    tools.jackson.databind.JsonNode e = Json.mapper().readTree(json);
    return new PendingEdit(
        UUID.fromString(e.path("edit_id").asString()),
        e.path("turn").asInt(),
        e.path("instruction").asString(),
        e.path("model").asString(),
        e.path("base_attempt").asInt());
  }

  /** The pending recaption, or null when the item runs a generation or an edit. */
  private static PendingRecaption recaption(java.sql.ResultSet rs) throws java.sql.SQLException {
    UUID id = rs.getObject("recaption_id", UUID.class);
    java.sql.Array locales = rs.getArray("recaption_locales");
    if (id == null || locales == null || rs.getString("image_key") == null) {
      return null;
    }
    return new PendingRecaption(
        id,
        List.of((String[]) locales.getArray()),
        rs.getString("image_key"),
        rs.getString("sidecar_key"),
        rs.getString("caption"),
        rs.getString("alt_text_checks"));
  }

  /** Extends these leases while this worker holds them; returns the ones it still holds. */
  public Set<ItemId> renew(Collection<ItemId> ids, String worker, Instant until) {
    return items.renew(ids, worker, until);
  }
}
