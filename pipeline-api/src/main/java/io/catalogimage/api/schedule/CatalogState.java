package io.catalogimage.api.schedule;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;

/**
 * A schedule's catalog as its last run left it, held for one diff in primitive arrays: per line
 * (product x variant) a 64-bit key (of SKU and variant) and the 64-bit hash of the inputs its
 * images were made from. A million products with two variants take about 40 MB, not the gigabyte a
 * map of strings would. Lines met in the feed are marked; the rest were removed.
 *
 * <p>64 bits: two different lines share a key with probability about n^2 / 2^65 (3 in 10^8 for a
 * million); the effect would be a line not listed as removed, never an image reused wrongly, which
 * also needs its content hash to match.
 */
final class CatalogState {

  private final long[] keys;
  private final long[] hashes;
  private final byte[] variants;
  private final List<String> variantNames;
  private final BitSet seen;

  CatalogState(long[] keys, long[] hashes, byte[] variants, List<String> variantNames) {
    this.keys = keys;
    this.hashes = hashes;
    this.variants = variants;
    this.variantNames = variantNames;
    this.seen = new BitSet(keys.length);
    for (int i = 1; i < keys.length; i++) {
      if (keys[i - 1] > keys[i]) {
        throw new IllegalArgumentException("catalog keys must be sorted");
      }
    }
  }

  static CatalogState empty() {
    return new CatalogState(new long[0], new long[0], new byte[0], List.of());
  }

  int size() {
    return keys.length;
  }

  /** The line's index, or -1 when the catalog does not have it. */
  int find(long key) {
    int i = Arrays.binarySearch(keys, key);
    return i < 0 ? -1 : i;
  }

  /** The hash its images were made from (0 when none was made yet). */
  long hash(int index) {
    return hashes[index];
  }

  void markSeen(int index) {
    seen.set(index);
  }

  /** Lines not met in the feed whose variant is still one of {@code current}. */
  long unseenOf(List<String> current) {
    long n = 0;
    for (int i = seen.nextClearBit(0); i < keys.length; i = seen.nextClearBit(i + 1)) {
      if (current.contains(variantNames.get(variants[i]))) {
        n++;
      }
    }
    return n;
  }

  long linesOf(List<String> current) {
    long n = 0;
    for (int i = 0; i < keys.length; i++) {
      if (current.contains(variantNames.get(variants[i]))) {
        n++;
      }
    }
    return n;
  }

  long unseen() {
    return keys.length - seen.cardinality();
  }

  /** The keys of the lines not met in the feed. */
  long[] unseenKeys() {
    long[] out = new long[(int) unseen()];
    int n = 0;
    for (int i = seen.nextClearBit(0); i < keys.length; i = seen.nextClearBit(i + 1)) {
      out[n++] = keys[i];
    }
    return out;
  }

  /** 64 bits of SHA-256 over the SKU and the variant name. */
  static long key(MessageDigest sha, String sku, String variant) {
    sha.reset();
    sha.update(sku.getBytes(StandardCharsets.UTF_8));
    sha.update((byte) 0);
    sha.update(variant.getBytes(StandardCharsets.UTF_8));
    return ByteBuffer.wrap(sha.digest()).getLong();
  }

  /** 64 bits of SHA-256 over a product's digest and a variant's (never 0: 0 means "none made"). */
  static long content(MessageDigest sha, byte[] product, byte[] variant) {
    sha.reset();
    sha.update(product);
    sha.update(variant);
    long h = ByteBuffer.wrap(sha.digest()).getLong();
    return h == 0 ? 1 : h;
  }

  /** SHA-256 of the parts, each length-prefixed so that no two lists of parts collide. */
  static byte[] digest(MessageDigest sha, String... parts) {
    sha.reset();
    for (String part : parts) {
      if (part == null) {
        sha.update((byte) 0);
        continue;
      }
      byte[] bytes = part.getBytes(StandardCharsets.UTF_8);
      sha.update((byte) 1);
      sha.update(ByteBuffer.allocate(4).putInt(bytes.length).array());
      sha.update(bytes);
    }
    return sha.digest();
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
