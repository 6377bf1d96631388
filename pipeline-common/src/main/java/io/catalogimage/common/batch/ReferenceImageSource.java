package io.catalogimage.common.batch;

/**
 * Where an item's reference product photo comes from: exactly one of an http(s) URL the worker
 * fetches, or an object key under the tenant's prefix in our object store.
 *
 * <p>Stored as JSON with the product: no {@code is}/{@code get}-style methods here, Jackson would
 * store them as properties.
 */
public record ReferenceImageSource(String url, String objectKey) {

  public boolean hasUrl() {
    return url != null;
  }
}
