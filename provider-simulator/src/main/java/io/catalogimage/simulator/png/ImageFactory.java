package io.catalogimage.simulator.png;

import io.catalogimage.simulator.config.ImageSettings;
import io.catalogimage.simulator.models.Dimensions;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Base64;
import java.util.Iterator;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Supplier;
import javax.imageio.ImageIO;

/**
 * Synthetic images of exact sizes. Encoding a fresh PNG per request would cap the simulator at a
 * few dozen 1K images per second (reference: test-infrastructure.md), so the pixel data of each
 * distinct size is deflated once and cached; only the 16-colour palette is derived per prompt.
 */
public final class ImageFactory {
  /** Real-size images kept as base64, at most this much in all (a 4K PNG is about 33 MB). */
  private static final long REALISTIC_CACHE_BYTES = 256L * 1024 * 1024;

  private static final ConcurrentMap<RealisticKey, Memo<byte[]>> realistic =
      new ConcurrentHashMap<>();

  private record RealisticKey(Dimensions size, String format, double bytesPerPixel) {}

  private final Supplier<ImageSettings> settings;

  /** Small gradient images only (the library default). */
  public ImageFactory() {
    this(ImageSettings::small);
  }

  /** Image sizes as the current settings say (read per call: a reconfigure takes effect). */
  public ImageFactory(Supplier<ImageSettings> settings) {
    this.settings = settings;
  }

  /**
   * A PNG of exactly {@code size} as base64 text, ready to go into a JSON string: a real-size one
   * (shared by every call for that size) or a small one coloured by {@code paletteSeed}.
   */
  public byte[] pngBase64(Dimensions size, long paletteSeed) {
    ImageSettings s = settings.get();
    if (!s.realisticSizes()) {
      return Base64.getEncoder().encode(png(size, paletteSeed));
    }
    return cachedBase64(
        new RealisticKey(size, "png", s.pngBytesPerPixel()),
        k -> NoiseImages.png(size.width(), size.height(), k.bytesPerPixel(), 17L));
  }

  /** A JPEG of exactly {@code size} as base64 text. */
  public byte[] jpegBase64(Dimensions size) {
    ImageSettings s = settings.get();
    if (!s.realisticSizes()) {
      return Base64.getEncoder().encode(jpeg(size));
    }
    return cachedBase64(
        new RealisticKey(size, "jpeg", s.jpegBytesPerPixel()),
        k -> NoiseImages.jpeg(size.width(), size.height(), k.bytesPerPixel(), 17L));
  }

  private static byte[] cachedBase64(
      RealisticKey key, java.util.function.Function<RealisticKey, byte[]> encode) {
    byte[] b64 =
        realistic
            .computeIfAbsent(
                key, k -> new Memo<>(() -> Base64.getEncoder().encode(encode.apply(k))))
            .get();
    evictBeyondCap(key);
    return b64;
  }

  /** Drops other sizes while the cache holds more than its cap (rarely more than 3 sizes used). */
  private static void evictBeyondCap(RealisticKey keep) {
    long total = 0;
    for (Memo<byte[]> m : realistic.values()) {
      byte[] v = m.value;
      total += v == null ? 0 : v.length;
    }
    Iterator<RealisticKey> keys = realistic.keySet().iterator();
    while (total > REALISTIC_CACHE_BYTES && keys.hasNext()) {
      RealisticKey k = keys.next();
      Memo<byte[]> m = realistic.get(k);
      if (k.equals(keep) || m == null || m.value == null) {
        continue;
      }
      total -= m.value.length;
      keys.remove();
    }
  }

  // JVM-wide: the bytes depend only on the size, so every simulator in a test JVM shares them.
  // Bounded by the number of distinct sizes in the model tables (about a hundred).
  private static final ConcurrentMap<Dimensions, Memo<PngEncoder.Tail>> pngTails =
      new ConcurrentHashMap<>();
  private static final ConcurrentMap<Dimensions, Memo<byte[]>> jpegs = new ConcurrentHashMap<>();

  /** A PNG of exactly {@code size}, coloured by {@code paletteSeed} (e.g. a hash of the prompt). */
  public byte[] png(Dimensions size, long paletteSeed) {
    PngEncoder.Tail tail =
        pngTails
            .computeIfAbsent(
                size, d -> new Memo<>(() -> PngEncoder.encodeTail(d.width(), d.height())))
            .get();
    return PngEncoder.assemble(tail, Palette.rgb(paletteSeed));
  }

  /**
   * A JPEG of exactly {@code size}. Encoded with ImageIO once per size with a fixed palette: JPEG
   * has no palette to swap cheaply, and OpenAI JPEG output is a side path.
   */
  public byte[] jpeg(Dimensions size) {
    return jpegs.computeIfAbsent(size, d -> new Memo<>(() -> encodeJpeg(d))).get();
  }

  private static byte[] encodeJpeg(Dimensions d) {
    int[] argb = Palette.argb(0L);
    BufferedImage image = new BufferedImage(d.width(), d.height(), BufferedImage.TYPE_INT_RGB);
    int[] row = new int[d.width()];
    for (int y = 0; y < d.height(); y++) {
      for (int x = 0; x < d.width(); x++) {
        row[x] = argb[Pattern.index(x, y, d.width(), d.height())];
      }
      image.setRGB(0, y, d.width(), 1, row, 0, d.width());
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      ImageIO.setUseCache(false);
      if (!ImageIO.write(image, "jpeg", out)) {
        throw new IllegalStateException("no JPEG writer in this JDK");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /** Computes once, outside the map's lock, so a slow 4K encode does not block other sizes. */
  private static final class Memo<T> {
    private final Supplier<T> supplier;
    private volatile T value;

    Memo(Supplier<T> supplier) {
      this.supplier = supplier;
    }

    T get() {
      T v = value;
      if (v == null) {
        synchronized (this) {
          if (value == null) {
            value = supplier.get();
          }
          v = value;
        }
      }
      return v;
    }
  }
}
