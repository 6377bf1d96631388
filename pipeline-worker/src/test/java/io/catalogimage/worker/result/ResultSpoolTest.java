package io.catalogimage.worker.result;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
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
