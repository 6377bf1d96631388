package io.catalogimage.common.storage;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/**
 * Where images, sidecars and manifests live. Keys are deterministic (see {@link ObjectKeys}), so a
 * retried or re-delivered item overwrites its own objects instead of adding new ones.
 */
public interface ObjectStore {

  void put(String key, byte[] content, String contentType);

  /**
   * Uploads {@code length} bytes read from {@code content} (which opens a new stream on each call,
   * so a retried request can read again), without holding them in one array.
   *
   * @param contentMd5 base64 MD5 of the bytes, checked by the server; null for none
   * @return the hex SHA-256 of the bytes sent, when the upload computed it on the way (see {@link
   *     #payloadSha256UpTo}); empty otherwise
   */
  default Optional<String> putStream(
      String key,
      java.util.function.Supplier<java.io.InputStream> content,
      long length,
      String contentType,
      String contentMd5) {
    try (java.io.InputStream in = content.get()) {
      put(key, in.readAllBytes(), contentType);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return Optional.empty();
  }

  /**
   * {@link #putFile(String, java.nio.file.Path, String)} with the file's base64 MD5 (or null);
   * returns the hex SHA-256 of the file as {@link #putStream} does.
   */
  default Optional<String> putFile(
      String key, java.nio.file.Path file, String contentType, String contentMd5) {
    putFile(key, file, contentType);
    return Optional.empty();
  }

  /**
   * Uploads of up to this many bytes compute the SHA-256 of what they send anyway (SigV4 signs it
   * on a plain-HTTP endpoint) and hand it back from {@link #putStream} and {@link #putFile}, so a
   * caller that needs the hash need not compute it again; 0 when none do.
   */
  default long payloadSha256UpTo() {
    return 0;
  }

  /** The object's bytes, or empty when there is no object under the key. */
  Optional<byte[]> get(String key);

  /** Uploads a file without holding it in memory (manifests of large batches). */
  default void putFile(String key, java.nio.file.Path file, String contentType) {
    try {
      put(key, java.nio.file.Files.readAllBytes(file), contentType);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /**
   * The object's bytes as a stream, without holding them in memory (catalog feeds of gigabytes), or
   * empty when there is no object under the key. The caller closes it.
   */
  default Optional<java.io.InputStream> open(String key) {
    return get(key).map(java.io.ByteArrayInputStream::new);
  }

  /**
   * The object's entity tag (changes whenever its bytes do), or empty when there is no object under
   * the key: whether a reference photo changed, without reading it.
   */
  default Optional<String> etag(String key) {
    return get(key).map(bytes -> Integer.toHexString(java.util.Arrays.hashCode(bytes)));
  }

  /** Throws when the store or its bucket cannot be reached (readiness). */
  default void checkReachable() {
    get(".health-check");
  }

  /** A URL anyone holding it can GET the object from until it expires. */
  URI presignedGet(String key, Duration validFor);
}
