package io.catalogimage.common.storage;

import io.catalogimage.common.id.BatchId;
import io.catalogimage.common.id.TenantId;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * The one place object keys are made. Every key sits under its tenant and batch, and user-given
 * parts (SKU, variant name) are escaped so that none can climb out of that prefix: only {@code
 * [A-Za-z0-9._-]} pass through, everything else is percent-encoded, and a part made only of dots is
 * encoded too. An item's image and sidecar are stored per attempt ({@code
 * <sku>/<variant>.a<attempt>.png}): two attempts never write the same object, so a stale worker
 * cannot overwrite the result of a newer attempt; the item row names the one that won.
 */
public final class ObjectKeys {

  /** S3's limit on a key, in UTF-8 bytes. */
  public static final int MAX_KEY_BYTES = 1024;

  /**
   * The limit on one {@code /}-separated part of a key on stores that keep objects as files (MinIO,
   * S3Proxy's filesystem backend): a file name of at most 255 bytes.
   */
  public static final int MAX_SEGMENT_BYTES = 255;

  /** The longest variant name (intake's rule) and attempt suffix a key may have to carry. */
  private static final int LONGEST_VARIANT = 64;

  private static final String LONGEST_SUFFIX = ".a" + Integer.MAX_VALUE + ".json";

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

  /** The image of one attempt at an item. */
  public static String image(
      TenantId tenant, BatchId batch, String sku, String variant, int attempt) {
    return itemBase(tenant, batch, sku, variant) + ".a" + attempt + ".png";
  }

  /** The sidecar of one attempt at an item. */
  public static String sidecar(
      TenantId tenant, BatchId batch, String sku, String variant, int attempt) {
    return itemBase(tenant, batch, sku, variant) + ".a" + attempt + ".json";
  }

  /**
   * Why results of a product with this SKU could never be stored, or empty when they can: its
   * encoded form must fit one key part ({@value #MAX_SEGMENT_BYTES} bytes) and leave the whole key
   * within {@value #MAX_KEY_BYTES} bytes with the longest variant name and attempt number.
   */
  public static Optional<String> skuProblem(String sku) {
    String encoded = segment(sku);
    int longestKey =
        batchPrefix(TenantId.DEFAULT, new BatchId(new java.util.UUID(0, 0))).length()
            + encoded.length()
            + 1
            + LONGEST_VARIANT
            + LONGEST_SUFFIX.length();
    if (encoded.length() > MAX_SEGMENT_BYTES || longestKey > MAX_KEY_BYTES) {
      return Optional.of(
          "is "
              + encoded.length()
              + " bytes long once made safe for an object key (characters other than letters,"
              + " digits, '.', '_' and '-' take 3 bytes per UTF-8 byte); object stores allow at"
              + " most "
              + MAX_SEGMENT_BYTES
              + " bytes per key part");
    }
    return Optional.empty();
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
