package io.catalogimage.worker.provider;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.catalogimage.common.batch.ReferenceImageSource;
import io.catalogimage.common.id.TenantId;
import io.catalogimage.common.json.Json;
import io.catalogimage.common.model.Dimensions;
import io.catalogimage.common.model.ModelCatalog;
import io.catalogimage.common.storage.ObjectKeys;
import io.catalogimage.common.storage.ObjectStoreProperties;
import io.catalogimage.common.storage.S3ObjectStore;
import io.catalogimage.infra.LocalS3;
import io.catalogimage.simulator.ProviderSimulator;
import io.catalogimage.simulator.SimulatorConfig;
import io.catalogimage.simulator.stats.ReceivedImages;
import io.catalogimage.worker.provider.gemini.GeminiClient;
import io.catalogimage.worker.provider.openai.OpenAiClient;
import io.catalogimage.worker.reference.ReferenceImageProperties;
import io.catalogimage.worker.reference.ReferenceImages;
import io.catalogimage.worker.result.ResultSpool;
import io.catalogimage.worker.result.TestSpools;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.util.unit.DataSize;

/**
 * Real-size reference photos (several MB, incompressible) go from where the merchant keeps them
 * (our object store, or their URL) into the spool as they are read, to disk beyond the per-image
 * memory limit, and from there into the provider's request body as it is sent: base64 inside
 * Gemini's JSON, raw in OpenAI's multipart. The simulator gets them byte for byte; the worker never
 * holds one whole in an array or a string.
 */
class StreamedReferencePhotosTest {

  private static final ModelCatalog CATALOG = ModelCatalog.defaults();
  private static final TenantId TENANT = new TenantId(UUID.randomUUID());
  private static final int PHOTO_BYTES = 6 * 1024 * 1024 + 1; // a 2K photo; not a multiple of 3

  private static ProviderSimulator simulator;
  private static LocalS3 s3;
  private static S3ObjectStore store;
  private static HttpServer photoHost;
  private static ExecutorService threads;
  private static byte[] pngPhoto;
  private static byte[] jpegPhoto;

  @TempDir static Path spoolDir;

  @BeforeAll
  static void start() throws Exception {
    pngPhoto = photo(new byte[] {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A}, 1);
    jpegPhoto = photo(new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xE0}, 2);
    simulator = ProviderSimulator.start(SimulatorConfig.defaults().withoutPeak().withTimeScale(0));
    threads = Executors.newCachedThreadPool();
    s3 = LocalS3.inMemory();
    store =
        new S3ObjectStore(
            new ObjectStoreProperties(
                s3.endpoint(),
                null,
                null,
                "reference-photos",
                LocalS3.ACCESS_KEY,
                LocalS3.SECRET_KEY,
                null,
                true,
                null));
    store.put(ObjectKeys.tenantPrefix(TENANT) + "photos/lamp.png", pngPhoto, "image/png");
    photoHost = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    photoHost.createContext(
        "/lamp.jpg",
        exchange -> {
          exchange.getResponseHeaders().add("Content-Type", "image/jpeg");
          exchange.sendResponseHeaders(200, jpegPhoto.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(jpegPhoto);
          }
        });
    photoHost.setExecutor(threads);
    photoHost.start();
  }

  @AfterAll
  static void stop() throws Exception {
    photoHost.stop(0);
    store.close();
    s3.close();
    simulator.close();
    threads.shutdownNow();
  }

  /** Random bytes behind an image signature: as incompressible as a real photo. */
  private static byte[] photo(byte[] signature, long seed) {
    byte[] bytes = new byte[PHOTO_BYTES];
    new Random(seed).nextBytes(bytes);
    System.arraycopy(signature, 0, bytes, 0, signature.length);
    return bytes;
  }

  /** Per-image memory limit 1 MB: a real-size photo goes to disk. */
  private static ResultSpool spool() {
    return TestSpools.realSizeToDisk(spoolDir);
  }

  private static ReferenceImages references(ResultSpool spool) {
    return new ReferenceImages(
        new ReferenceImageProperties(
            DataSize.ofMegabytes(10), Duration.ofSeconds(30), 3, true, List.of()),
        store,
        spool);
  }

  private static ProviderProperties.Endpoint endpoint(String protocol) {
    return new ProviderProperties.Endpoint(
        protocol, simulator.baseUri(), "sim-key", null, null, null, null, null, null, null);
  }

  private static GenerationRequest request(
      String model, String ratio, GenerationRequest.ReferenceImage photo) {
    Dimensions expected = CATALOG.require(model).dimensions("1K", ratio).orElseThrow();
    return new GenerationRequest(
        model, "The lamp on a white table", ratio, "1K", expected, List.of(), List.of(photo));
  }

  private static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }

  private static ReceivedImages.Received lastReceived() {
    List<ReceivedImages.Received> received = simulator.receivedImages();
    assertThat(received).isNotEmpty();
    return received.get(received.size() - 1);
  }

  @Test
  void a_real_size_photo_from_the_object_store_reaches_gemini_byte_exact_from_the_spool_file()
      throws Exception {
    ResultSpool spool = spool();
    ReferenceImages.Fetched fetched =
        references(spool).fetch(TENANT, new ReferenceImageSource(null, "photos/lamp.png"));
    assertThat(fetched).isInstanceOf(ReferenceImages.Image.class);
    GenerationRequest.ReferenceImage photo = ((ReferenceImages.Image) fetched).image();
    assertThat(photo.mimeType()).isEqualTo("image/png");
    assertThat(photo.photo().onDisk()).isTrue();
    assertThat(spool.bytesInMemory()).isZero();
    assertThat(spool.bytesPending()).isEqualTo(PHOTO_BYTES);
    GeminiClient client =
        new GeminiClient(
            "sim", endpoint("gemini"), CATALOG, Json.mapper(), threads, threads, spool);

    GenerationRequest request = request("gemini-3.1-flash-image", "1:1", photo);
    ProviderOutcome outcome = client.generate(request).join();

    assertThat(outcome).isInstanceOf(ProviderOutcome.Generated.class);
    ReceivedImages.Received received = lastReceived();
    assertThat(received.mimeType()).isEqualTo("image/png");
    assertThat(received.size()).isEqualTo(PHOTO_BYTES);
    assertThat(received.sha256()).isEqualTo(sha256(pngPhoto));
    ((ProviderOutcome.Generated) outcome).image().release();
    request.releaseImages();
    assertThat(spool.bytesPending()).isZero();
    try (var files = Files.list(spoolDir)) {
      assertThat(files).isEmpty();
    }
  }

  @Test
  void a_real_size_photo_from_a_merchant_url_reaches_openai_edits_byte_exact() throws Exception {
    ResultSpool spool = spool();
    ReferenceImages.Fetched fetched =
        references(spool)
            .fetch(
                TENANT,
                new ReferenceImageSource(
                    "http://127.0.0.1:" + photoHost.getAddress().getPort() + "/lamp.jpg", null));
    assertThat(fetched).isInstanceOf(ReferenceImages.Image.class);
    GenerationRequest.ReferenceImage photo = ((ReferenceImages.Image) fetched).image();
    assertThat(photo.mimeType()).isEqualTo("image/jpeg");
    assertThat(photo.photo().onDisk()).isTrue();
    OpenAiClient client =
        new OpenAiClient(
            "sim-openai", endpoint("openai"), CATALOG, Json.mapper(), threads, threads, spool);

    GenerationRequest request = request("gpt-image-1.5", "3:2", photo);
    ProviderOutcome outcome = client.generate(request).join();

    assertThat(outcome).isInstanceOf(ProviderOutcome.Generated.class);
    ReceivedImages.Received received = lastReceived();
    assertThat(received.size()).isEqualTo(PHOTO_BYTES);
    assertThat(received.sha256()).isEqualTo(sha256(jpegPhoto));
    ((ProviderOutcome.Generated) outcome).image().release();
    request.releaseImages();
    assertThat(spool.bytesPending()).isZero();
  }

  @Test
  void a_photo_larger_than_the_limit_is_refused_while_read_and_leaves_nothing_held() {
    ResultSpool spool = spool();
    ReferenceImages small =
        new ReferenceImages(
            new ReferenceImageProperties(
                DataSize.ofMegabytes(2), Duration.ofSeconds(30), 3, true, List.of()),
            store,
            spool);

    ReferenceImages.Fetched fetched =
        small.fetch(TENANT, new ReferenceImageSource(null, "photos/lamp.png"));

    assertThat(fetched).isInstanceOf(ReferenceImages.Refused.class);
    assertThat(((ReferenceImages.Refused) fetched).reason()).contains("larger than 2 MB");
    assertThat(spool.bytesPending()).isZero();
  }

  /**
   * The body a 24 MB photo (a 4K one, the largest Gemini takes inline) is sent in, read through
   * whole on this thread: what is allocated on the way stays a small fraction of the photo, where
   * encoding it into the JSON would take its size four times over (base64 array, String, body).
   */
  @Test
  void sending_a_photo_allocates_a_bounded_buffer_not_the_photo() throws Exception {
    ResultSpool spool = spool();
    byte[] block = new byte[1 << 20];
    new Random(3).nextBytes(block);
    long size = 24L * (1 << 20);
    ResultSpool.Held held;
    try (ResultSpool.Receiving r = spool.receive()) {
      r.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A});
      for (long written = 8; written < size; written += block.length) {
        r.write(block, 0, (int) Math.min(block.length, size - written));
      }
      held = r.finish();
    }
    assertThat(held.onDisk()).isTrue();
    SplicedBody body = new SplicedBody();
    String placeholder = body.base64(new SplicedBody.Source(held::open, held.size()));
    body.around(("{\"inlineData\":{\"data\":\"" + placeholder + "\"}}").getBytes());
    com.sun.management.ThreadMXBean mx =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long thread = Thread.currentThread().getId();
    MessageDigest sent = MessageDigest.getInstance("SHA-256");
    byte[] buffer = new byte[64 * 1024];

    long before = mx.getThreadAllocatedBytes(thread);
    long read = 0;
    try (InputStream in = body.open()) {
      for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
        sent.update(buffer, 0, n);
        read += n;
      }
    }
    long allocated = mx.getThreadAllocatedBytes(thread) - before;

    assertThat(read).isEqualTo(body.length()).isEqualTo(4 * ((size + 2) / 3) + 26);
    assertThat(allocated).isLessThan(size / 2);
    // and the bytes are the photo's base64, exactly
    MessageDigest expected = MessageDigest.getInstance("SHA-256");
    expected.update("{\"inlineData\":{\"data\":\"".getBytes());
    try (InputStream photo = held.open();
        OutputStream encoder =
            java.util.Base64.getEncoder()
                .wrap(
                    new OutputStream() {
                      @Override
                      public void write(int b) {
                        expected.update((byte) b);
                      }

                      @Override
                      public void write(byte[] b, int off, int len) {
                        expected.update(b, off, len);
                      }
                    })) {
      photo.transferTo(encoder);
    }
    expected.update("\"}}".getBytes());
    assertThat(sent.digest()).isEqualTo(expected.digest());
    held.release();
  }
}
