package io.catalogimage.common.storage;

import io.catalogimage.common.id.BatchId;
import io.catalogimage.common.id.TenantId;
import java.nio.charset.StandardCharsets;

/**
 * The one place object keys are made. Every key sits under its tenant and batch, and user-given
 * parts (SKU, variant name) are escaped so that none can climb out of that prefix: only {@code
 * [A-Za-z0-9._-]} pass through, everything else is percent-encoded, and a part made only of dots is
 * encoded too.
 */
public final class ObjectKeys {

  private ObjectKeys() {}

  /** Everything of one tenant: its batches' results, and the reference photos it uploads. */
  public static String tenantPrefix(TenantId tenant) {
    return "tenants/" + tenant + "/";
  }

  public static String batchPrefix(TenantId tenant, BatchId batch) {
    return tenantPrefix(tenant) + "batches/" + batch + "/";
  }

  public static String image(TenantId tenant, BatchId batch, String sku, String variant) {
    return itemBase(tenant, batch, sku, variant) + ".png";
  }

  public static String sidecar(TenantId tenant, BatchId batch, String sku, String variant) {
    return itemBase(tenant, batch, sku, variant) + ".json";
  }

  public static String manifest(TenantId tenant, BatchId batch) {
    return batchPrefix(tenant, batch) + "manifest.jsonl";
  }

  private static String itemBase(TenantId tenant, BatchId batch, String sku, String variant) {
    return batchPrefix(tenant, batch) + segment(sku) + "/" + segment(variant);
  }

  /** Escapes one user-given path segment. */
  public static String segment(String raw) {
    if (raw == null || raw.isEmpty()) {
      throw new IllegalArgumentException("an object key segment cannot be empty");
    }
    boolean onlyDots = raw.chars().allMatch(c -> c == '.');
    StringBuilder out = new StringBuilder(raw.length());
    for (byte b : raw.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xff;
      boolean plain =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || c == '-'
              || c == '_'
              || (c == '.' && !onlyDots);
      if (plain) {
        out.append((char) c);
      } else {
        out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)));
        out.append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
      }
    }
    return out.toString();
  }
}
