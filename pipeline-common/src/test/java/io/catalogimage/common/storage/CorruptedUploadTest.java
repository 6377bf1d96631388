package io.catalogimage.common.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.catalogimage.infra.LocalS3;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A byte flipped on the wire between the worker and the object store (a bad NIC, a broken proxy) is
 * refused by the server, never stored: for a single PUT streamed from the spool's memory, from its
 * file, and for every part of a multipart upload. What guards the bytes is the payload's SHA-256,
 * which SigV4 signs (see {@link S3ObjectStore}).
 */
class CorruptedUploadTest {

  private static LocalS3 s3;
  private static ServerSocket proxy;
  private static final ExecutorService threads = Executors.newCachedThreadPool();
  private static final AtomicInteger corrupted = new AtomicInteger();
  private static S3ObjectStore direct;
  private static S3ObjectStore throughFlipper;

  @TempDir static Path dir;

  @BeforeAll
  static void start() throws IOException {
    s3 = LocalS3.inMemory();
    direct = new S3ObjectStore(properties(s3.endpoint(), true), 5L * 1024 * 1024);
    proxy = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    threads.execute(CorruptedUploadTest::acceptLoop);
    throughFlipper =
        new S3ObjectStore(
            properties(URI.create("http://127.0.0.1:" + proxy.getLocalPort()), false),
            5L * 1024 * 1024);
  }

  @AfterAll
  static void stop() throws IOException {
    throughFlipper.close();
    direct.close();
    proxy.close();
    threads.shutdownNow();
    s3.close();
  }

  private static ObjectStoreProperties properties(URI endpoint, boolean createBucket) {
    return new ObjectStoreProperties(
        endpoint,
        null,
        null,
        "integrity",
        LocalS3.ACCESS_KEY,
        LocalS3.SECRET_KEY,
        null,
        createBucket,
        null);
  }

  private static byte[] random(int size, long seed) {
    byte[] bytes = new byte[size];
    new Random(seed).nextBytes(bytes);
    return bytes;
  }

  @Test
  void a_streamed_put_corrupted_on_the_wire_is_refused_and_not_stored() {
    byte[] image = random(1024 * 1024, 1);
    int before = corrupted.get();

    assertThatThrownBy(
            () ->
                throughFlipper.putStream(
                    "streamed.png",
                    () -> new ByteArrayInputStream(image),
                    image.length,
                    "image/png",
                    null))
        .isInstanceOf(RuntimeException.class)
        .hasMessageContaining("x-amz-content-sha256");

    assertThat(corrupted.get()).isGreaterThan(before);
    assertThat(direct.get("streamed.png")).isEmpty();
  }

  @Test
  void a_file_put_corrupted_on_the_wire_is_refused_and_not_stored() throws IOException {
    Path file = Files.write(dir.resolve("one.png"), random(2 * 1024 * 1024, 2));

    assertThatThrownBy(() -> throughFlipper.putFile("file.png", file, "image/png", null))
        .isInstanceOf(RuntimeException.class)
        .hasMessageContaining("x-amz-content-sha256");

    assertThat(direct.get("file.png")).isEmpty();
  }

  @Test
  void a_multipart_upload_with_a_corrupted_part_is_refused_and_not_stored() throws IOException {
    Path file = Files.write(dir.resolve("large.png"), random(6 * 1024 * 1024, 3));

    assertThatThrownBy(() -> throughFlipper.putFile("large.png", file, "image/png", null))
        .isInstanceOf(RuntimeException.class)
        .hasMessageContaining("x-amz-content-sha256");

    assertThat(direct.get("large.png")).isEmpty();
  }

  /** The worker takes its sidecar's image hash from here instead of hashing the image again. */
  @Test
  void a_single_put_hands_back_the_sha256_it_signed_and_a_multipart_upload_none() throws Exception {
    byte[] image = random(3 * 1024 * 1024, 5);
    String sha256 =
        java.util.HexFormat.of()
            .formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(image));
    Path file = Files.write(dir.resolve("hashed.png"), image);
    Path large = Files.write(dir.resolve("hashed-large.png"), random(6 * 1024 * 1024, 6));

    assertThat(direct.payloadSha256UpTo()).as("plain HTTP: payloads signed").isEqualTo(5L << 20);
    assertThat(
            direct.putStream(
                "hashed-streamed.png",
                () -> new ByteArrayInputStream(image),
                image.length,
                "image/png",
                null))
        .hasValue(sha256);
    assertThat(direct.putFile("hashed.png", file, "image/png", null)).hasValue(sha256);
    assertThat(direct.putFile("hashed-large.png", large, "image/png", null)).isEmpty();
    assertThat(direct.get("hashed.png")).hasValue(image);
  }

  @Test
  void the_same_bytes_uncorrupted_arrive_exactly() throws IOException {
    byte[] image = random(6 * 1024 * 1024, 4);
    Path file = Files.write(dir.resolve("fine.png"), image);

    direct.putFile("fine.png", file, "image/png", null);
    direct.putStream(
        "fine-streamed.png",
        () -> new ByteArrayInputStream(image),
        image.length,
        "image/png",
        null);

    assertThat(direct.get("fine.png")).hasValue(image);
    assertThat(direct.get("fine-streamed.png")).hasValue(image);
  }

  private static void acceptLoop() {
    while (!proxy.isClosed()) {
      try {
        Socket client = proxy.accept();
        Socket server = new Socket(InetAddress.getLoopbackAddress(), s3.endpoint().getPort());
        threads.execute(() -> flipOneBytePerBody(client, server));
        threads.execute(() -> copy(server, client));
      } catch (IOException e) {
        return;
      }
    }
  }

  /**
   * Copies requests to the server, flipping one bit in the middle of each request body (found by
   * its Content-Length; the store sends no chunked bodies).
   */
  private static void flipOneBytePerBody(Socket from, Socket to) {
    try (from;
        to;
        InputStream in = new java.io.BufferedInputStream(from.getInputStream(), 1 << 16);
        OutputStream out = new java.io.BufferedOutputStream(to.getOutputStream(), 1 << 16)) {
      StringBuilder headers = new StringBuilder();
      long length = 0;
      long sent = 0;
      boolean inBody = false;
      int b;
      while ((b = in.read()) >= 0) {
        if (!inBody) {
          headers.append((char) b);
          out.write(b);
          if (headers.length() >= 4 && headers.lastIndexOf("\r\n\r\n") == headers.length() - 4) {
            length = contentLength(headers.toString());
            headers.setLength(0);
            sent = 0;
            inBody = length > 0;
            out.flush();
          }
          continue;
        }
        if (sent == length / 2) {
          b ^= 0x01;
          corrupted.incrementAndGet();
        }
        out.write(b);
        if (++sent == length) {
          inBody = false;
          out.flush();
        }
      }
    } catch (IOException e) {
      // either side closed
    }
  }

  private static long contentLength(String headers) {
    for (String line : headers.split("\r\n")) {
      if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
        return Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
      }
    }
    return 0;
  }

  private static void copy(Socket from, Socket to) {
    try (InputStream in = from.getInputStream();
        OutputStream out = to.getOutputStream()) {
      in.transferTo(out);
    } catch (IOException e) {
      // either side closed
    }
  }
}
