package io.catalogimage.worker.result;

import io.catalogimage.common.storage.ObjectStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds finished images until they are stored: in memory while the images held in all stay under
 * {@code pipeline.results.memory}, on local disk beyond that. A bounded memory whatever the image
 * size or how long the object store is away; the disk holds at most the worker's calls in flight.
 */
public final class ResultSpool {

  private static final Logger log = LoggerFactory.getLogger(ResultSpool.class);

  private final long memoryLimit;
  private final Path dir;
  private final AtomicLong inMemory = new AtomicLong();
  private final AtomicLong onDisk = new AtomicLong();

  public ResultSpool(ResultProperties props) {
    this.memoryLimit = props.memory().toBytes();
    this.dir = props.spoolDir();
  }

  /** Keeps these bytes until {@link Held#release()}; the caller should drop its own reference. */
  public Held hold(byte[] bytes) {
    long size = bytes.length;
    if (inMemory.addAndGet(size) <= memoryLimit) {
      return new Held(bytes, null, size);
    }
    inMemory.addAndGet(-size);
    try {
      Files.createDirectories(dir);
      Path file = Files.createTempFile(dir, "image-", ".bin");
      Files.write(file, bytes);
      onDisk.addAndGet(size);
      return new Held(null, file, size);
    } catch (IOException e) {
      // a full or read-only disk: keep it in memory over the limit rather than lose a paid image
      log.warn("could not spool an image of {} bytes to {}: {}", size, dir, e.toString());
      inMemory.addAndGet(size);
      return new Held(bytes, null, size);
    }
  }

  public long bytesInMemory() {
    return inMemory.get();
  }

  public long bytesOnDisk() {
    return onDisk.get();
  }

  /** One image kept for storing; released once, when stored or given up. */
  public final class Held {
    private final byte[] bytes;
    private final Path file;
    private final long size;
    private final AtomicBoolean released = new AtomicBoolean();

    private Held(byte[] bytes, Path file, long size) {
      this.bytes = bytes;
      this.file = file;
      this.size = size;
    }

    public boolean onDisk() {
      return file != null;
    }

    public long size() {
      return size;
    }

    /** PUTs the image under {@code key}, from memory or streamed from its file. */
    public void putTo(ObjectStore store, String key, String contentType) {
      if (file != null) {
        store.putFile(key, file, contentType);
      } else {
        store.put(key, bytes, contentType);
      }
    }

    public void release() {
      if (!released.compareAndSet(false, true)) {
        return;
      }
      if (file == null) {
        inMemory.addAndGet(-size);
        return;
      }
      onDisk.addAndGet(-size);
      try {
        Files.deleteIfExists(file);
      } catch (IOException e) {
        throw new UncheckedIOException("could not delete spooled image " + file, e);
      }
    }
  }
}
