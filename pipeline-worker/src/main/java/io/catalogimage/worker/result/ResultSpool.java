package io.catalogimage.worker.result;

import io.catalogimage.common.storage.ObjectStore;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.SequenceInputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds images from the moment their bytes arrive until they are stored: in memory while the images
 * held in all stay under {@code pipeline.results.memory} and each under {@code memory-per-image},
 * on local disk beyond that. An image is decoded straight into its place ({@link #receive()}),
 * hashed on the way, and never copied: memory stays bounded whatever the image size, the burst of
 * answers or how long the object store is away.
 *
 * <p>It is also the worker's byte budget: {@link #full()} is true while images being received and
 * waiting to be stored add up to {@code pending-limit}; the worker then starts no new call, and is
 * told through {@link #onRoom} when storing has caught up.
 */
public final class ResultSpool {

  private static final Logger log = LoggerFactory.getLogger(ResultSpool.class);
  private static final int CHUNK = 64 * 1024;
  private static final int HEAD = 64;

  private final long memoryLimit;
  private final long perImageLimit;
  private final long pendingLimit;
  private final Path dir;
  private final AtomicLong inMemory = new AtomicLong();
  private final AtomicLong onDisk = new AtomicLong();
  private final AtomicLong peakPending = new AtomicLong();
  private volatile Runnable onRoom = () -> {};

  /** Images up to this size are not hashed here: their PUT hands their hash back. */
  private final long hashedByPutUpTo;

  public ResultSpool(ResultProperties props) {
    this(props, 0);
  }

  /**
   * @param hashedByPutUpTo images up to this many bytes are not hashed as they are received: the
   *     store's PUT computes their SHA-256 anyway and hands it back ({@link
   *     io.catalogimage.common.storage.ObjectStore#payloadSha256UpTo}); 0 hashes every image here
   */
  public ResultSpool(ResultProperties props, long hashedByPutUpTo) {
    this.memoryLimit = props.memory().toBytes();
    this.perImageLimit = props.memoryPerImage().toBytes();
    this.pendingLimit = props.pendingLimit().toBytes();
    this.dir = props.spoolDir();
    this.hashedByPutUpTo = hashedByPutUpTo;
  }

  /** Called (on any thread) when the budget has room again after being full. */
  public void onRoom(Runnable listener) {
    this.onRoom = listener;
  }

  /** Starts receiving one image: write its decoded bytes, then {@link Receiving#finish()}. */
  public Receiving receive() {
    return new Receiving();
  }

  /** Keeps these bytes until {@link Held#release()}; the caller should drop its own reference. */
  public Held hold(byte[] bytes) {
    try (Receiving r = receive()) {
      r.write(bytes);
      return r.finish();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** An image held by no spool and no budget (tests, and answers built in memory). */
  public static Held unspooled(byte[] bytes) {
    return new ResultSpool(ResultProperties.defaults()).hold(bytes);
  }

  /**
   * A new empty file in the spool's directory, for a request too large to build in memory (a batch
   * job's input file); not counted in the byte budget. The caller deletes it.
   */
  public Path scratchFile(String prefix, String suffix) throws IOException {
    Files.createDirectories(dir);
    return Files.createTempFile(dir, prefix, suffix);
  }

  /** Deletes a {@link #scratchFile}; a file that cannot go is left (nothing reads it again). */
  public static void deleteScratch(Path file) {
    if (file == null) {
      return;
    }
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      log.warn("could not delete a scratch file {}: {}", file, e.toString());
    }
  }

  public long bytesInMemory() {
    return inMemory.get();
  }

  public long bytesOnDisk() {
    return onDisk.get();
  }

  /** Bytes of images being received or waiting to be stored, in memory and on disk. */
  public long bytesPending() {
    return inMemory.get() + onDisk.get();
  }

  /** The most bytes pending at once since start. */
  public long peakBytesPending() {
    return peakPending.get();
  }

  /** True while the byte budget is used up: start no new call. */
  public boolean full() {
    return bytesPending() >= pendingLimit;
  }

  private void added(AtomicLong counter, long n) {
    counter.addAndGet(n);
    peakPending.accumulateAndGet(bytesPending(), Math::max);
  }

  private void removed(AtomicLong counter, long n) {
    long before = bytesPending();
    counter.addAndGet(-n);
    if (before >= pendingLimit && bytesPending() < pendingLimit) {
      onRoom.run();
    }
  }

  /**
   * One image being written: in 64 KB chunks while it fits the memory limits, then in a file.
   * SHA-256 (for the sidecar) is computed as the bytes go by, unless the image's PUT will compute
   * it (up to {@code hashedByPutUpTo} bytes, in memory or on disk; past that, what came so far is
   * hashed and the rest as it goes by). No MD5: the PUT's integrity is the payload SHA-256 SigV4
   * signs (plain HTTP) or TLS (HTTPS); see docs/decisions.md.
   */
  public final class Receiving extends OutputStream {
    private final List<byte[]> chunks = new ArrayList<>();
    private final MessageDigest sha256 = digest("SHA-256");
    private boolean hashing = hashedByPutUpTo <= 0;
    private final byte[] head = new byte[HEAD];
    private int headLength;
    private byte[] current;
    private int currentLength;
    private long size;
    private long memoryTaken;
    private Path file;
    private OutputStream fileOut;
    private boolean done;

    private Receiving() {}

    /** The first bytes (up to 64) received so far: enough to check a PNG or JPEG signature. */
    public byte[] head() {
      return Arrays.copyOf(head, headLength);
    }

    public long size() {
      return size;
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      if (done) {
        throw new IOException("image already finished");
      }
      if (headLength < HEAD) {
        int n = Math.min(HEAD - headLength, len);
        System.arraycopy(b, off, head, headLength, n);
        headLength += n;
      }
      if (!hashing && size + len > hashedByPutUpTo) {
        hashSoFar();
      }
      if (hashing) {
        sha256.update(b, off, len);
      }
      size += len;
      if (fileOut != null) {
        fileOut.write(b, off, len);
        added(onDisk, len);
        return;
      }
      while (len > 0) {
        if (current == null || currentLength == current.length) {
          if (!takeMemory()) {
            spill();
            fileOut.write(b, off, len);
            added(onDisk, len);
            return;
          }
          current = new byte[CHUNK];
          currentLength = 0;
          chunks.add(current);
        }
        int n = Math.min(len, current.length - currentLength);
        System.arraycopy(b, off, current, currentLength, n);
        currentLength += n;
        off += n;
        len -= n;
      }
    }

    private boolean takeMemory() {
      if (memoryTaken + CHUNK > perImageLimit) {
        return false;
      }
      if (inMemory.get() + CHUNK > memoryLimit) {
        return false;
      }
      added(inMemory, CHUNK);
      memoryTaken += CHUNK;
      return true;
    }

    /**
     * Too large for its PUT to hash it: hashes the bytes received so far (from memory, or read back
     * from the file: an image past 16 MB, 4K, reads its first 16 MB once more), then every byte as
     * it comes. Not at a spill: an image that goes to disk under memory pressure but fits one PUT
     * still takes its hash from the PUT (hashing it here too cost a 2K image 4 ms).
     */
    private void hashSoFar() throws IOException {
      hashing = true;
      if (fileOut != null) {
        fileOut.flush();
        try (InputStream in = Files.newInputStream(file)) {
          digestAll(in, sha256);
        }
        return;
      }
      for (int i = 0; i < chunks.size(); i++) {
        sha256.update(chunks.get(i), 0, i == chunks.size() - 1 ? currentLength : CHUNK);
      }
    }

    /** Moves what is in memory to a file and goes on there. */
    private void spill() throws IOException {
      Files.createDirectories(dir);
      file = Files.createTempFile(dir, "image-", ".bin");
      fileOut = new BufferedOutputStream(Files.newOutputStream(file), CHUNK);
      long inChunks = 0;
      for (int i = 0; i < chunks.size(); i++) {
        int n = i == chunks.size() - 1 ? currentLength : CHUNK;
        fileOut.write(chunks.get(i), 0, n);
        inChunks += n;
      }
      added(onDisk, inChunks);
      chunks.clear();
      current = null;
      removed(inMemory, memoryTaken);
      memoryTaken = 0;
    }

    /** The image is complete: hand it over to be stored. */
    public Held finish() throws IOException {
      done = true;
      if (fileOut != null) {
        fileOut.close();
        fileOut = null;
      }
      String sha = hashing ? HexFormat.of().formatHex(sha256.digest()) : null;
      Held held =
          new Held(
              Collections.unmodifiableList(new ArrayList<>(chunks)),
              currentLength,
              file,
              size,
              memoryTaken,
              head(),
              sha);
      chunks.clear();
      file = null;
      memoryTaken = 0;
      return held;
    }

    /** Gives back whatever was received (a failed or refused answer); safe after finish. */
    @Override
    public void close() {
      done = true;
      chunks.clear();
      current = null;
      if (memoryTaken > 0) {
        removed(inMemory, memoryTaken);
        memoryTaken = 0;
      }
      if (file != null) {
        try {
          if (fileOut != null) {
            fileOut.close();
          }
          Files.deleteIfExists(file);
        } catch (IOException e) {
          log.warn("could not delete a partly received image {}: {}", file, e.toString());
        }
        removed(onDisk, size);
        file = null;
      }
    }
  }

  /** One image kept for storing; released once, when stored or given up. */
  public final class Held {
    private final List<byte[]> chunks;
    private final int lastChunkLength;
    private final Path file;
    private final long size;
    private final long memoryTaken;
    private final byte[] head;
    private volatile String sha256; // null until hashed: by its PUT, or on demand
    private final AtomicBoolean released = new AtomicBoolean();

    private Held(
        List<byte[]> chunks,
        int lastChunkLength,
        Path file,
        long size,
        long memoryTaken,
        byte[] head,
        String sha256) {
      this.chunks = chunks;
      this.lastChunkLength = lastChunkLength;
      this.file = file;
      this.size = size;
      this.memoryTaken = memoryTaken;
      this.head = head;
      this.sha256 = sha256;
    }

    public boolean onDisk() {
      return file != null;
    }

    public long size() {
      return size;
    }

    /** The first bytes of the image (up to 64). */
    public byte[] head() {
      return head.clone();
    }

    /**
     * Hex SHA-256 of the image: computed while it was received, or handed back by its PUT ({@link
     * #putTo}), or else read now (before {@link #release}).
     */
    public String sha256() {
      String known = sha256;
      if (known == null) {
        MessageDigest digest = digest("SHA-256");
        try (InputStream in = open()) {
          digestAll(in, digest);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
        known = HexFormat.of().formatHex(digest.digest());
        sha256 = known;
      }
      return known;
    }

    /** A new stream over the image's bytes, from memory or its file. */
    public InputStream open() {
      if (file != null) {
        try {
          return Files.newInputStream(file);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
      List<InputStream> parts = new ArrayList<>(chunks.size());
      for (int i = 0; i < chunks.size(); i++) {
        int n = i == chunks.size() - 1 ? lastChunkLength : chunks.get(i).length;
        parts.add(new ByteArrayInputStream(chunks.get(i), 0, n));
      }
      return new SequenceInputStream(Collections.enumeration(parts));
    }

    /** All bytes in one new array: for tests and small images only. */
    public byte[] bytes() {
      try (InputStream in = open()) {
        return in.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /**
     * PUTs the image under {@code key}, streamed from memory or its file. No Content-MD5: the
     * server checks the payload SHA-256 SigV4 signs (or TLS guards the bytes on HTTPS).
     */
    public void putTo(ObjectStore store, String key, String contentType) {
      Optional<String> sent =
          file != null
              ? store.putFile(key, file, contentType, null)
              : store.putStream(key, this::open, size, contentType, null);
      if (sha256 == null) {
        sent.ifPresent(hash -> sha256 = hash);
      }
    }

    public void release() {
      if (!released.compareAndSet(false, true)) {
        return;
      }
      if (file == null) {
        removed(inMemory, memoryTaken);
        return;
      }
      removed(onDisk, size);
      try {
        Files.deleteIfExists(file);
      } catch (IOException e) {
        throw new UncheckedIOException("could not delete spooled image " + file, e);
      }
    }
  }

  /** Feeds the rest of {@code in} to {@code digest}, a chunk at a time. */
  private static void digestAll(InputStream in, MessageDigest digest) throws IOException {
    byte[] buffer = new byte[CHUNK];
    for (int n; (n = in.read(buffer)) > 0; ) {
      digest.update(buffer, 0, n);
    }
  }

  private static MessageDigest digest(String algorithm) {
    try {
      return MessageDigest.getInstance(algorithm);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
