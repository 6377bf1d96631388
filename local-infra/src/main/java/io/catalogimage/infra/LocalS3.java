package io.catalogimage.infra;

import java.net.URI;
import java.nio.file.Path;
import java.util.Properties;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStoreContext;

/**
 * A real S3-protocol server (S3Proxy) inside this JVM, storing objects either in memory or as plain
 * files under a directory (so a person can open them).
 */
public final class LocalS3 implements AutoCloseable {

  public static final String ACCESS_KEY = "local-access-key";
  public static final String SECRET_KEY = "local-secret-key";

  private S3Proxy proxy;
  private final BlobStoreContext context;
  private final int port;

  private LocalS3(S3Proxy proxy, BlobStoreContext context) {
    this.proxy = proxy;
    this.context = context;
    this.port = proxy.getPort();
  }

  /** Starts an in-memory store on a free port. */
  public static LocalS3 inMemory() {
    return start("transient", null, 0);
  }

  /** Starts a store that keeps each object as a file {@code dir/<bucket>/<key>}. */
  public static LocalS3 onDisk(Path dir, int port) {
    return start("filesystem", dir, port);
  }

  private static LocalS3 start(String provider, Path dir, int port) {
    Properties overrides = new Properties();
    if (dir != null) {
      overrides.setProperty("jclouds.filesystem.basedir", dir.toAbsolutePath().toString());
    }
    BlobStoreContext context =
        ContextBuilder.newBuilder(provider)
            .credentials(ACCESS_KEY, SECRET_KEY)
            .overrides(overrides)
            .build(BlobStoreContext.class);
    try {
      return new LocalS3(serve(context, port), context);
    } catch (RuntimeException e) {
      context.close();
      throw e;
    }
  }

  private static S3Proxy serve(BlobStoreContext context, int port) {
    S3Proxy proxy =
        S3Proxy.builder()
            .blobStore(context.getBlobStore())
            .endpoint(URI.create("http://127.0.0.1:" + port))
            .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
            .jettyMaxThreads(64)
            .build();
    try {
      proxy.start();
      long deadline = System.nanoTime() + 30_000_000_000L;
      while (!"STARTED".equals(proxy.getState())) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("S3Proxy did not start: " + proxy.getState());
        }
        Thread.sleep(10);
      }
      return proxy;
    } catch (Exception e) {
      throw new IllegalStateException("could not start S3Proxy", e);
    }
  }

  /**
   * Stops serving, as an outage would (connections refused); the objects are kept, and {@link
   * #start()} serves them again on the same port. For fault tests.
   */
  public synchronized void stopNow() {
    try {
      proxy.stop();
    } catch (Exception e) {
      throw new IllegalStateException("could not stop S3Proxy", e);
    }
  }

  /** Serves again after {@link #stopNow()}, on the same port. */
  public synchronized void restart() {
    proxy = serve(context, port);
  }

  public URI endpoint() {
    return URI.create("http://127.0.0.1:" + port);
  }

  /** Creates the bucket unless it exists. */
  public void createBucket(String bucket) {
    context.getBlobStore().createContainerInLocation(null, bucket);
  }

  @Override
  public synchronized void close() {
    try {
      proxy.stop();
    } catch (Exception e) {
      throw new IllegalStateException("could not stop S3Proxy", e);
    } finally {
      context.close();
    }
  }
}
