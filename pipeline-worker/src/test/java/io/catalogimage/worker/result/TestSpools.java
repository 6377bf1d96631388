package io.catalogimage.worker.result;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Random;
import org.springframework.util.unit.DataSize;

/** Spools and spooled images for the tests of the streamed paths. */
public final class TestSpools {
  private static final byte[] PNG = {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
  private static final byte[] JPEG = {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xE0};

  private TestSpools() {}

  /** 16 MB in memory, 1 MB per image: a real-size image (2K and up) goes to a file in dir. */
  public static ResultSpool realSizeToDisk(Path dir) {
    return new ResultSpool(
        new ResultProperties(
            DataSize.ofMegabytes(16),
            dir,
            null,
            null,
            DataSize.ofMegabytes(1),
            DataSize.ofGigabytes(1)));
  }

  /** Nothing in memory and no byte budget: every image goes to a file (null: the default dir). */
  public static ResultSpool allOnDisk(Path dir) {
    return new ResultSpool(
        new ResultProperties(
            DataSize.ofBytes(0),
            dir,
            null,
            null,
            DataSize.ofBytes(0),
            DataSize.ofBytes(Long.MAX_VALUE)));
  }

  /** {@code size} bytes of incompressible noise behind a PNG signature, held in {@code spool}. */
  public static ResultSpool.Held randomPng(ResultSpool spool, long size, long seed) {
    return random(spool, PNG, size, seed);
  }

  /** As {@link #randomPng}, behind a JPEG signature. */
  public static ResultSpool.Held randomJpeg(ResultSpool spool, long size, long seed) {
    return random(spool, JPEG, size, seed);
  }

  private static ResultSpool.Held random(ResultSpool spool, byte[] head, long size, long seed) {
    byte[] block = new byte[64 * 1024];
    Random random = new Random(seed);
    try (ResultSpool.Receiving r = spool.receive()) {
      r.write(head);
      for (long written = head.length; written < size; written += block.length) {
        random.nextBytes(block);
        r.write(block, 0, (int) Math.min(block.length, size - written));
      }
      return r.finish();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
