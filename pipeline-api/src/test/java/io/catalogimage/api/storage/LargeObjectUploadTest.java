package io.catalogimage.api.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.catalogimage.common.storage.ObjectStoreProperties;
import io.catalogimage.common.storage.S3ObjectStore;
import io.catalogimage.infra.LocalS3;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A manifest larger than one part (a million-line run's is hundreds of MB; parts are 16 MB, 5 MB
 * here, the least S3 allows) goes up in parts and comes back byte for byte, read as a stream; no
 * server or client holds it whole.
 */
class LargeObjectUploadTest {

  @TempDir Path dir;

  @Test
  void aFileLargerThanOnePartGoesUpInPartsAndComesBackIdentical() throws Exception {
    Path file = dir.resolve("manifest.jsonl");
    MessageDigest written = MessageDigest.getInstance("SHA-256");
    Random random = new Random(7);
    byte[] block = new byte[1 << 20];
    try (OutputStream out = Files.newOutputStream(file)) {
      for (int i = 0; i < 6; i++) { // 6 MB in parts of 5 MB: a whole part and a partial one
        random.nextBytes(block);
        written.update(block);
        out.write(block);
      }
    }
    try (LocalS3 s3 = LocalS3.inMemory();
        S3ObjectStore store =
            new S3ObjectStore(
                new ObjectStoreProperties(
                    s3.endpoint(),
                    null,
                    null,
                    "large-objects",
                    LocalS3.ACCESS_KEY,
                    LocalS3.SECRET_KEY,
                    null,
                    true,
                    null),
                5L * 1024 * 1024)) {
      store.putFile("tenants/t/runs/r/manifest.jsonl", file, "application/x-ndjson");

      MessageDigest read = MessageDigest.getInstance("SHA-256");
      long size = 0;
      try (InputStream in = store.open("tenants/t/runs/r/manifest.jsonl").orElseThrow()) {
        byte[] buffer = new byte[1 << 16];
        for (int n; (n = in.read(buffer)) > 0; ) {
          read.update(buffer, 0, n);
          size += n;
        }
      }
      assertThat(size).isEqualTo(Files.size(file));
      assertThat(HexFormat.of().formatHex(read.digest()))
          .isEqualTo(HexFormat.of().formatHex(written.digest()));
      assertThat(store.etag("tenants/t/runs/r/manifest.jsonl")).isPresent();
      assertThat(store.etag("tenants/t/runs/r/missing")).isEmpty();
    }
  }
}
