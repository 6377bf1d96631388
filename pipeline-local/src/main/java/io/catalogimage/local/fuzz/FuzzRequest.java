package io.catalogimage.local.fuzz;

import java.util.List;

/**
 * One hostile request and what the api must do with it.
 *
 * @param surface which input it attacks (json, ndjson, csv, query, authorization, idempotency-key,
 *     content-type)
 * @param mutation what was done to an otherwise plausible request ("none" for none)
 * @param mustRefuse true when the request carries something that cannot be stored as sent (bytes
 *     that are not UTF-8, a NUL, a lone surrogate, a broken CSV, an unknown option...): a 2xx is a
 *     failure
 * @param authorized for the Authorization surface: true only when the header is exactly a good key
 * @param expected the products a 202 must have stored exactly (null: not checked)
 * @param expectedName the batch name a 202 must have stored (null: not checked)
 */
public record FuzzRequest(
    String surface,
    String mutation,
    String method,
    String target,
    List<String[]> headers,
    byte[] body,
    boolean mustRefuse,
    Boolean authorized,
    List<Product> expected,
    String expectedName) {

  /** A product as it must be stored. */
  public record Product(String sku, String title, String description) {}

  @Override
  public String toString() {
    String text = body == null ? "" : new String(body, java.nio.charset.StandardCharsets.UTF_8);
    return surface
        + "/"
        + mutation
        + " "
        + method
        + " "
        + target
        + " "
        + headers.stream().map(h -> h[0] + ": " + h[1]).toList()
        + " "
        + (text.length() > 300 ? text.substring(0, 300) + "..." : text);
  }
}
