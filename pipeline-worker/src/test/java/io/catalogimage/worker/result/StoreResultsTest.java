package io.catalogimage.worker.result;

import static org.assertj.core.api.Assertions.assertThat;

import io.catalogimage.common.id.BatchId;
import io.catalogimage.common.id.TenantId;
import io.catalogimage.common.storage.ObjectStore;
import io.catalogimage.worker.testing.MovableClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.util.unit.DataSize;

/**
 * The store step: a finished image survives an object store that is away, is PUT again until it is
 * stored, and is given up (never re-bought) only after the configured time or when the lease is
 * lost.
 */
class StoreResultsTest {

  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
  private final MovableClock clock = new MovableClock(Instant.parse("2026-12-05T10:00:00Z"));

  @TempDir Path spoolDir;

  @AfterEach
  void stop() {
    timer.shutdownNow();
  }

  /** A store that refuses until told to work, and remembers what it holds. */
  private static final class FlakyStore implements ObjectStore {
    final AtomicBoolean up = new AtomicBoolean();
    final AtomicInteger puts = new AtomicInteger();
    final Map<String, byte[]> objects = new ConcurrentHashMap<>();

    @Override
    public void put(String key, byte[] content, String contentType) {
      puts.incrementAndGet();
      if (!up.get()) {
        throw new IllegalStateException("connection refused");
      }
      objects.put(key, content);
    }

    @Override
    public void putFile(String key, Path file, String contentType) {
      try {
        put(key, Files.readAllBytes(file), contentType);
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }

    @Override
    public Optional<byte[]> get(String key) {
      return Optional.ofNullable(objects.get(key));
    }

    @Override
    public URI presignedGet(String key, Duration validFor) {
      return URI.create("http://x/" + key);
    }
  }

  private StoreResults step(ObjectStore store, ResultProperties props) {
    return new StoreResults(
        new ResultWriter(store), props, Runnable::run, timer, clock, new SimpleMeterRegistry());
  }

  private static ResultWriter.Target target(int attempt) {
    return new ResultWriter.Target(
        TenantId.DEFAULT, new BatchId(UUID.randomUUID()), "SKU/1", "listing", attempt);
  }

  @Test
  void an_image_is_put_again_until_the_store_is_back_and_lands_under_its_attempts_key()
      throws Exception {
    FlakyStore store = new FlakyStore();
    ResultProperties props = new ResultProperties(null, spoolDir, Duration.ofMillis(250), null);
    ResultSpool spool = new ResultSpool(props);
    ResultSpool.Held image = spool.hold(new byte[] {1, 2, 3});

    var result =
        step(store, props).store(target(3), image, "image/png", () -> "{}".getBytes(), () -> false);
    org.awaitility.Awaitility.await().until(() -> store.puts.get() >= 3);
    store.up.set(true);

    StoreResults.Outcome outcome = result.get(10, TimeUnit.SECONDS);
    assertThat(outcome).isInstanceOf(StoreResults.Stored.class);
    String key = ((StoreResults.Stored) outcome).keys().imageKey();
    assertThat(key).endsWith("/SKU%2F1/listing.a3.png");
    assertThat(store.objects.get(key)).containsExactly(1, 2, 3);
  }

  @Test
  void a_store_that_refuses_for_give_up_storing_after_ends_it_without_a_new_call()
      throws Exception {
    FlakyStore store = new FlakyStore();
    ResultProperties props =
        new ResultProperties(null, spoolDir, Duration.ofMillis(250), Duration.ofMinutes(15));
    ResultSpool.Held image = new ResultSpool(props).hold(new byte[] {1});

    var result =
        step(store, props).store(target(1), image, "image/png", () -> "{}".getBytes(), () -> false);
    org.awaitility.Awaitility.await().until(() -> store.puts.get() >= 2);
    clock.advance(Duration.ofMinutes(16));

    StoreResults.Outcome outcome = result.get(10, TimeUnit.SECONDS);
    assertThat(outcome).isInstanceOf(StoreResults.GaveUp.class);
    assertThat(((StoreResults.GaveUp) outcome).reason()).contains("connection refused");
  }

  @Test
  void a_lost_lease_stops_the_tries() throws Exception {
    FlakyStore store = new FlakyStore();
    AtomicBoolean lost = new AtomicBoolean();
    ResultProperties props = new ResultProperties(null, spoolDir, Duration.ofMillis(250), null);
    ResultSpool.Held image = new ResultSpool(props).hold(new byte[] {1});

    var result =
        step(store, props).store(target(1), image, "image/png", () -> new byte[0], lost::get);
    org.awaitility.Awaitility.await().until(() -> store.puts.get() >= 2);
    lost.set(true);

    assertThat(result.get(10, TimeUnit.SECONDS)).isInstanceOf(StoreResults.LeaseLost.class);
  }

  @Test
  void images_beyond_the_memory_bound_wait_on_disk_and_leave_no_file_behind() throws Exception {
    ResultProperties props =
        new ResultProperties(DataSize.ofKilobytes(100), spoolDir, Duration.ofMillis(250), null);
    ResultSpool spool = new ResultSpool(props);

    // memory is taken in 64 KB chunks: the first image takes one, the second finds no room
    ResultSpool.Held small = spool.hold(new byte[8]);
    ResultSpool.Held big = spool.hold(new byte[64]);

    assertThat(small.onDisk()).isFalse();
    assertThat(big.onDisk()).isTrue();
    assertThat(spool.bytesInMemory()).isEqualTo(64 * 1024);
    assertThat(spool.bytesOnDisk()).isEqualTo(64);
    FlakyStore store = new FlakyStore();
    store.up.set(true);
    big.putTo(store, "k", "image/png");
    assertThat(store.objects.get("k")).hasSize(64);
    big.release();
    big.release();
    small.release();
    assertThat(spool.bytesOnDisk()).isZero();
    assertThat(spool.bytesInMemory()).isZero();
    try (var files = Files.list(spoolDir)) {
      assertThat(files).isEmpty();
    }
  }
}
