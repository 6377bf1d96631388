package io.catalogimage.worker.provider;

import static org.assertj.core.api.Assertions.assertThat;

import io.catalogimage.worker.result.ResultProperties;
import io.catalogimage.worker.result.ResultSpool;
import io.catalogimage.worker.result.TestSpools;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The batch lane moves each photo out of the call budget into a file until its job is sent. */
class ReferenceImageMoveTest {

  @TempDir Path dir;

  @Test
  void a_moved_photo_is_the_same_bytes_in_a_file_and_leaves_the_call_budget_at_once() {
    ResultSpool calls = new ResultSpool(ResultProperties.defaults());
    ResultSpool files = TestSpools.allOnDisk(dir);
    byte[] bytes = new byte[3 * 1024 * 1024 + 5];
    new Random(5).nextBytes(bytes);
    GenerationRequest.ReferenceImage photo =
        new GenerationRequest.ReferenceImage("image/png", calls.hold(bytes));
    String sha = photo.photo().sha256();
    assertThat(calls.bytesPending()).isGreaterThanOrEqualTo(bytes.length);

    GenerationRequest.ReferenceImage moved = photo.movedTo(files);

    assertThat(calls.bytesPending()).isZero();
    assertThat(moved.photo().onDisk()).isTrue();
    assertThat(moved.photo().sha256()).isEqualTo(sha);
    assertThat(moved.bytes()).isEqualTo(bytes);
    assertThat(moved.mimeType()).isEqualTo("image/png");
    assertThat(files.bytesOnDisk()).isEqualTo(bytes.length);
    moved.release();
    assertThat(files.bytesPending()).isZero();
    assertThat(dir.toFile().list()).isEmpty();
  }
}
