package io.catalogimage.worker.edit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import io.catalogimage.common.edit.Conversations;
import io.catalogimage.common.id.ItemId;
import io.catalogimage.common.id.TenantId;
import io.catalogimage.common.json.Json;
import io.catalogimage.common.model.Dimensions;
import io.catalogimage.common.model.ModelCatalog;
import io.catalogimage.common.storage.ObjectStoreProperties;
import io.catalogimage.common.storage.S3ObjectStore;
import io.catalogimage.infra.LocalS3;
import io.catalogimage.simulator.ProviderSimulator;
import io.catalogimage.simulator.SimulatorConfig;
import io.catalogimage.simulator.config.SignatureMode;
import io.catalogimage.simulator.stats.ReceivedImages;
import io.catalogimage.worker.claim.ClaimedItem;
import io.catalogimage.worker.claim.PendingEdit;
import io.catalogimage.worker.provider.GenerationRequest;
import io.catalogimage.worker.provider.ImageProvider;
import io.catalogimage.worker.provider.ModelPart;
import io.catalogimage.worker.provider.ProviderOutcome;
import io.catalogimage.worker.provider.ProviderProperties;
import io.catalogimage.worker.provider.gemini.GeminiClient;
import io.catalogimage.worker.provider.openai.OpenAiClient;
import io.catalogimage.worker.reference.ReferenceImageProperties;
import io.catalogimage.worker.reference.ReferenceImages;
import io.catalogimage.worker.result.ResultSpool;
import io.catalogimage.worker.result.TestSpools;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.util.unit.DataSize;

/**
 * An edit replays its conversation: the image an earlier turn ended with is read back from the
 * object store into the spool as it is read (to disk beyond the per-image memory limit, never whole
 * in an array) and spliced from there into the edit's request body: base64 in Gemini's replayed
 * model turn (the strict simulator checks its thought signature against the bytes), raw in OpenAI's
 * edits multipart. The provider receives exactly the stored image, and the spool is empty once the
 * call is answered.
 */
class StreamedEditHistoryTest {

  private static final ModelCatalog CATALOG = ModelCatalog.defaults();
  private static final String NB2 = "gemini-3.1-flash-image";
  private static final TenantId TENANT = new TenantId(UUID.randomUUID());

  private static ProviderSimulator simulator;
  private static LocalS3 s3;
  private static S3ObjectStore store;
  private static ExecutorService threads;

  @TempDir static Path spoolDir;

  @BeforeAll
  static void start() {
    simulator =
        ProviderSimulator.start(
            SimulatorConfig.defaults()
                .withoutPeak()
                .withTimeScale(0)
                .withRealisticImages()
                .withSignatures(SignatureMode.STRICT));
    threads = Executors.newCachedThreadPool();
    s3 = LocalS3.inMemory();
    store =
        new S3ObjectStore(
            new ObjectStoreProperties(
                s3.endpoint(),
                null,
                null,
                "edit-history",
                LocalS3.ACCESS_KEY,
                LocalS3.SECRET_KEY,
                null,
                true,
                null));
  }

  @AfterAll
  static void stop() throws Exception {
    store.close();
    s3.close();
    simulator.close();
    threads.shutdownNow();
  }

  /** Per-image memory limit 1 MB: a real-size image goes to disk. */
  private static ResultSpool spool() {
    return TestSpools.realSizeToDisk(spoolDir);
  }

  private static ProviderProperties.Endpoint endpoint(String protocol) {
    return new ProviderProperties.Endpoint(
        protocol, simulator.baseUri(), "sim-key", null, null, null, null, null, null, null);
  }

  private static GenerationRequest request(
      String model,
      String prompt,
      String size,
      List<GenerationRequest.ReferenceImage> images,
      List<io.catalogimage.worker.provider.PriorTurn> history) {
    Dimensions expected = CATALOG.require(model).dimensions(size, "1:1").orElseThrow();
    return new GenerationRequest(
        model, prompt, "1:1", size, expected, List.of(), images, null, history);
  }

  private static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }

  /**
   * The first version, made and stored as the worker does: the image PUT under its key, the turn
   * kept with the image as {@code imageKey}.
   */
  private static Conversations.Turn firstVersion(
      ImageProvider provider, String model, String size, ClaimedItem item, String key) {
    GenerationRequest first = request(model, "A walnut desk organiser", size, List.of(), List.of());
    ProviderOutcome outcome = provider.generate(first).join();
    assertThat(outcome).as(outcome.toString()).isInstanceOf(ProviderOutcome.Generated.class);
    ProviderOutcome.Generated g = (ProviderOutcome.Generated) outcome;
    g.image().putTo(store, key, g.mimeType());
    g.image().release();
    return ConversationTurns.turn(
        item,
        1,
        model,
        model,
        first,
        g.modelTurn(),
        g.mimeType(),
        key,
        key + ".json",
        Map.of(),
        null,
        Instant.now());
  }

  /** An item whose edit continues version 1. */
  private static ClaimedItem editOf(ItemId id) {
    ClaimedItem item = mock(ClaimedItem.class);
    when(item.id()).thenReturn(id);
    when(item.tenant()).thenReturn(TENANT);
    when(item.isEdit()).thenReturn(true);
    when(item.edit())
        .thenReturn(new PendingEdit(UUID.randomUUID(), 1, "Make the handles black", null, 1));
    return item;
  }

  private static ClaimedItem generated(ItemId id) {
    ClaimedItem item = mock(ClaimedItem.class);
    when(item.id()).thenReturn(id);
    when(item.tenant()).thenReturn(TENANT);
    return item;
  }

  private static ConversationTurns turns(ResultSpool spool, Conversations conversations) {
    return new ConversationTurns(
        conversations,
        store,
        new ReferenceImages(
            new ReferenceImageProperties(
                DataSize.ofMegabytes(10), Duration.ofSeconds(30), 3, true, List.of()),
            store,
            spool),
        spool);
  }

  private static boolean receivedImage(String sha256, long size) {
    return simulator.receivedImages().stream()
        .anyMatch((ReceivedImages.Received r) -> r.sha256().equals(sha256) && r.size() == size);
  }

  @Test
  void a_gemini_edit_replays_a_stored_6_mb_image_from_the_spool_file_byte_exact() throws Exception {
    ResultSpool spool = spool();
    GeminiClient gemini =
        new GeminiClient(
            "sim", endpoint("gemini"), CATALOG, Json.mapper(), threads, threads, spool);
    ItemId id = ItemId.random();
    String key = "t/" + id.value() + "/listing-1.png";
    Conversations.Turn first = firstVersion(gemini, NB2, "2K", generated(id), key);
    Conversations conversations = mock(Conversations.class);
    when(conversations.chain(id, 1)).thenReturn(List.of(first));
    byte[] stored = store.get(key).orElseThrow();
    assertThat(stored.length).isBetween(5_500_000, 7_000_000);
    com.sun.management.ThreadMXBean mx =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long thread = Thread.currentThread().getId();
    ConversationTurns turns = turns(spool, conversations);
    ClaimedItem edited = editOf(id);

    long before = mx.getThreadAllocatedBytes(thread);
    ConversationTurns.Replay replay = turns.history(edited);
    long allocated = mx.getThreadAllocatedBytes(thread) - before;

    // read back into a spool file as it was read, not into one array
    ModelPart image = replay.turns().get(0).lastImage();
    assertThat(image.stored()).isNotNull();
    assertThat(image.stored().onDisk()).isTrue();
    assertThat(image.stored().sha256()).isEqualTo(sha256(stored));
    assertThat(spool.bytesInMemory()).isZero();
    assertThat(spool.bytesPending()).isEqualTo(stored.length);
    assertThat(allocated).isLessThan(stored.length / 2);

    long verified = simulator.signatures().verified();
    GenerationRequest edit =
        request(NB2, "Make the handles black", "1K", replay.images(), replay.turns());
    ProviderOutcome outcome = gemini.generate(edit).join();

    // the strict simulator accepted the replayed image's signature: its bytes are the answer's
    assertThat(outcome).as(outcome.toString()).isInstanceOf(ProviderOutcome.Generated.class);
    assertThat(simulator.signatures().verified()).isGreaterThan(verified);
    assertThat(receivedImage(sha256(stored), stored.length)).isTrue();
    ((ProviderOutcome.Generated) outcome).image().release();
    edit.releaseImages();
    assertThat(spool.bytesPending()).isZero();
    try (var files = Files.list(spoolDir)) {
      assertThat(files).isEmpty();
    }
  }

  @Test
  void an_openai_edit_sends_the_stored_image_from_the_spool_to_images_edits_byte_exact()
      throws Exception {
    ResultSpool spool = spool();
    OpenAiClient openai =
        new OpenAiClient(
            "sim-openai", endpoint("openai"), CATALOG, Json.mapper(), threads, threads, spool);
    ItemId id = ItemId.random();
    String key = "t/" + id.value() + "/listing-1.png";
    Conversations.Turn first = firstVersion(openai, "gpt-image-1.5", "1K", generated(id), key);
    Conversations conversations = mock(Conversations.class);
    when(conversations.chain(id, 1)).thenReturn(List.of(first));
    byte[] stored = store.get(key).orElseThrow();

    ConversationTurns turns = turns(spool, conversations);
    ConversationTurns.Replay replay = turns.history(editOf(id));
    assertThat(replay.turns().get(0).lastImage().stored().onDisk()).isTrue();
    GenerationRequest edit =
        request("gpt-image-1.5", "Make it matte blue", "1K", replay.images(), replay.turns());
    ProviderOutcome outcome = openai.generate(edit).join();

    assertThat(outcome).as(outcome.toString()).isInstanceOf(ProviderOutcome.Generated.class);
    assertThat(receivedImage(sha256(stored), stored.length)).isTrue();
    ((ProviderOutcome.Generated) outcome).image().release();
    edit.releaseImages();
    assertThat(spool.bytesPending()).isZero();
  }

  @Test
  void a_history_image_gone_from_storage_makes_the_edit_unreplayable_and_holds_nothing() {
    ResultSpool spool = spool();
    ItemId id = ItemId.random();
    Conversations conversations = mock(Conversations.class);
    String parts =
        "[{\"mimeType\": \"image/png\", \"imageKey\": \"t/" + id.value() + "/gone.png\"}]";
    when(conversations.chain(id, 1))
        .thenReturn(
            List.of(
                new Conversations.Turn(
                    id,
                    1,
                    TENANT,
                    null,
                    0,
                    NB2,
                    NB2,
                    "A lamp",
                    0,
                    parts,
                    "k",
                    "s",
                    "{}",
                    null,
                    Instant.now())));

    ConversationTurns turns = turns(spool, conversations);
    ClaimedItem edited = editOf(id);

    org.assertj.core.api.Assertions.assertThatThrownBy(() -> turns.history(edited))
        .isInstanceOf(ConversationTurns.Unreplayable.class)
        .hasMessageContaining("gone from storage");
    assertThat(spool.bytesPending()).isZero();
  }
}
