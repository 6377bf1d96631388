package io.catalogimage.worker.result;

import static org.assertj.core.api.Assertions.assertThat;

import io.catalogimage.common.storage.ObjectStore;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.util.unit.DataSize;

class ResultSpoolTest {

  @TempDir Path spoolDir;

  private ResultSpool spool(long memory, long perImage, long pending) {
    return new ResultSpool(
        new ResultProperties(
            DataSize.ofBytes(memory),
            spoolDir,
            null,
            null,
            DataSize.ofBytes(perImage),
            DataSize.ofBytes(pending)));
  }

  @Test
  void an_image_larger_than_the_per_image_limit_goes_to_disk_as_it_arrives_with_its_hash()
      throws Exception {
    ResultSpool spool = spool(64L << 20, 1L << 20, 1L << 30);
    byte[] image = new byte[3 << 20];
    new Random(1).nextBytes(image);

    ResultSpool.Receiving r = spool.receive();
    for (int at = 0; at < image.length; at += 8192) {
      r.write(image, at, Math.min(8192, image.length - at));
    }
    ResultSpool.Held held = r.finish();

    assertThat(held.onDisk()).isTrue();
    assertThat(spool.bytesInMemory()).isZero(); // the first MB moved to the file with the rest
    assertThat(spool.bytesOnDisk()).isEqualTo(image.length);
    assertThat(held.bytes()).isEqualTo(image);
    assertThat(held.sha256())
        .isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(image)));
    assertThat(held.head()).startsWith(image[0], image[1], image[2]);
    held.release();
    assertThat(spool.bytesPending()).isZero();
    try (var files = Files.list(spoolDir)) {
      assertThat(files).isEmpty();
    }
  }

  private ResultSpool hashedByPutUpTo(long limit, long perImage) {
    return new ResultSpool(
        new ResultProperties(
            DataSize.ofBytes(64L << 20),
            spoolDir,
            null,
            null,
            DataSize.ofBytes(perImage),
            DataSize.ofBytes(1L << 30)),
        limit);
  }

  private static byte[] random(int size, long seed) {
    byte[] bytes = new byte[size];
    new Random(seed).nextBytes(bytes);
    return bytes;
  }

  private static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }

  private static ResultSpool.Held received(ResultSpool spool, byte[] image) throws Exception {
    ResultSpool.Receiving r = spool.receive();
    for (int at = 0; at < image.length; at += 8192) {
      r.write(image, at, Math.min(8192, image.length - at));
    }
    return r.finish();
  }

  /** A store whose PUTs hand back {@code hash} as the one they signed (empty: none). */
  private static ObjectStore handingBack(String hash) {
    return new ObjectStore() {
      @Override
      public void put(String key, byte[] content, String contentType) {}

      @Override
      public Optional<String> putStream(
          String key,
          java.util.function.Supplier<java.io.InputStream> content,
          long length,
          String contentType,
          String contentMd5) {
        return Optional.ofNullable(hash);
      }

      @Override
      public Optional<String> putFile(String key, Path file, String contentType, String md5) {
        return Optional.ofNullable(hash);
      }

      @Override
      public Optional<byte[]> get(String key) {
        return Optional.empty();
      }

      @Override
      public URI presignedGet(String key, Duration validFor) {
        return URI.create("http://x/" + key);
      }
    };
  }

  @Test
  void an_image_its_put_hashes_takes_its_hash_from_the_put_and_is_not_hashed_twice()
      throws Exception {
    byte[] image = random(300_000, 7);
    String signed = sha256(image);

    ResultSpool.Held held = received(hashedByPutUpTo(1L << 20, 1L << 20), image);
    held.putTo(handingBack(signed.replace('0', 'f')), "k", "image/png");

    // the PUT's hash is the one kept: the spool computed none of its own
    assertThat(held.sha256()).isEqualTo(signed.replace('0', 'f'));
    held.release();
  }

  @Test
  void an_image_on_disk_that_fits_one_put_takes_its_hash_from_the_put_too() throws Exception {
    byte[] image = random(300_000, 11);
    String signed = sha256(image);

    ResultSpool.Held held = received(hashedByPutUpTo(1L << 20, 64 * 1024), image);
    assertThat(held.onDisk()).isTrue();
    held.putTo(handingBack(signed.replace('0', 'f')), "k", "image/png");

    assertThat(held.sha256()).isEqualTo(signed.replace('0', 'f'));
    held.release();
  }

  @Test
  void an_image_whose_put_hands_back_no_hash_is_hashed_when_asked() throws Exception {
    byte[] image = random(300_000, 8);
    ResultSpool.Held inMemory = received(hashedByPutUpTo(1L << 20, 1L << 20), image);
    ResultSpool.Held onDisk = received(hashedByPutUpTo(1L << 20, 64 * 1024), image);
    assertThat(onDisk.onDisk()).isTrue();

    for (ResultSpool.Held held : new ResultSpool.Held[] {inMemory, onDisk}) {
      held.putTo(handingBack(null), "k", "image/png");
      assertThat(held.sha256()).isEqualTo(sha256(image));
      held.release();
    }
  }

  @Test
  void an_image_larger_than_its_put_hashes_is_hashed_as_it_arrives_from_its_first_byte()
      throws Exception {
    byte[] image = random(3 << 20, 9);
    // crossing the limit in memory, and after the image went to a file
    ResultSpool.Held inMemory = received(hashedByPutUpTo(1L << 20, 8L << 20), image);
    ResultSpool.Held onDisk = received(hashedByPutUpTo(1L << 20, 256 * 1024), image);
    assertThat(inMemory.onDisk()).isFalse();
    assertThat(onDisk.onDisk()).isTrue();

    for (ResultSpool.Held held : new ResultSpool.Held[] {inMemory, onDisk}) {
      // multipart: the store hands back no whole-file hash; a wrong one would not be taken either
      held.putTo(handingBack("f".repeat(64)), "k", "image/png");
      assertThat(held.sha256()).isEqualTo(sha256(image));
      held.release();
    }
  }

  @Test
  void a_small_image_stays_in_memory_and_reads_back_whole() {
    ResultSpool spool = spool(1L << 20, 1L << 20, 1L << 30);
    byte[] image = new byte[200_000];
    new Random(2).nextBytes(image);

    ResultSpool.Held held = spool.hold(image);

    assertThat(held.onDisk()).isFalse();
    assertThat(held.bytes()).isEqualTo(image);
    held.release();
    assertThat(spool.bytesInMemory()).isZero();
  }

  @Test
  void the_byte_budget_fills_with_pending_images_and_says_when_it_has_room_again() {
    ResultSpool spool = spool(1L << 20, 1L << 20, 300_000);
    AtomicInteger rooms = new AtomicInteger();
    spool.onRoom(rooms::incrementAndGet);

    ResultSpool.Held a = spool.hold(new byte[200_000]);
    assertThat(spool.full()).isFalse();
    ResultSpool.Held b = spool.hold(new byte[200_000]);
    assertThat(spool.full()).isTrue();

    a.release();
    assertThat(spool.full()).isFalse();
    assertThat(rooms).hasValue(1);
    b.release();
    assertThat(rooms).hasValue(1);
    assertThat(spool.peakBytesPending()).isGreaterThanOrEqualTo(400_000);
  }

  @Test
  void an_abandoned_answer_gives_its_bytes_and_file_back() throws Exception {
    ResultSpool spool = spool(64L << 10, 64L << 10, 1L << 30);
    ResultSpool.Receiving r = spool.receive();
    r.write(new byte[500_000]);

    r.close();

    assertThat(spool.bytesPending()).isZero();
    try (var files = Files.list(spoolDir)) {
      assertThat(files).isEmpty();
    }
  }
}
