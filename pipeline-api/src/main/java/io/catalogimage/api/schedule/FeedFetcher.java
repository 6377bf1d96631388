package io.catalogimage.api.schedule;

import io.catalogimage.common.id.TenantId;
import io.catalogimage.common.net.AddressPolicy;
import io.catalogimage.common.storage.ObjectKeys;
import io.catalogimage.common.storage.ObjectStore;
import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import org.springframework.stereotype.Component;

/**
 * Opens a schedule's feed as a stream: an {@code https} URL (public addresses only, checked again
 * at every redirect; credentials sent to the feed's own origin only) or an object under the
 * tenant's prefix in the bucket. Gzip is recognised by its bytes, whatever the headers say; the
 * size is capped after decompression (no gzip bombs) and a download that goes silent fails.
 */
@Component
class FeedFetcher {

  /** Why a feed could not be fetched; {@code retryable} when a later attempt may succeed. */
  static final class FetchFailed extends Exception {
    private final boolean retryable;

    FetchFailed(String message, boolean retryable) {
      super(message, null, false, false);
      this.retryable = retryable;
    }

    boolean retryable() {
      return retryable;
    }
  }

  /** The credentials to send, already opened. */
  record Credentials(String type, String username, String secret) {
    String header() {
      return type.equals("basic")
          ? "Basic "
              + Base64.getEncoder()
                  .encodeToString((username + ":" + secret).getBytes(StandardCharsets.UTF_8))
          : "Bearer " + secret;
    }
  }

  /** A feed being read, and where it came from in words. */
  record Opened(InputStream stream, String from) {}

  private final ScheduleProperties props;
  private final AddressPolicy addresses;
  private final ObjectStore store;
  private final HttpClient http;
  private final ScheduledExecutorService watchdog =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "feed-read-watchdog");
            t.setDaemon(true);
            return t;
          });

  FeedFetcher(ScheduleProperties props, ObjectStore store) {
    this.props = props;
    this.store = store;
    this.addresses = new AddressPolicy(props.allowPrivateAddresses());
    this.http =
        HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NEVER)
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(props.connectTimeout())
            .build();
  }

  /** Why this URL may not be a feed URL (form and address), or empty when it may. */
  Optional<String> refusal(String url) {
    URI uri;
    try {
      uri = new URI(url);
    } catch (java.net.URISyntaxException e) {
      return Optional.of("is not a URL: " + e.getReason());
    }
    String scheme = String.valueOf(uri.getScheme()).toLowerCase(Locale.ROOT);
    if (!scheme.equals("https") && !(props.allowHttp() && scheme.equals("http"))) {
      return Optional.of("must be an https URL" + (props.allowHttp() ? " or http" : ""));
    }
    if (uri.getHost() == null) {
      return Optional.of("has no host");
    }
    if (uri.getRawUserInfo() != null) {
      return Optional.of("must not carry credentials (give them as source.credentials)");
    }
    if (props.trustedHosts().contains(uri.getHost())) {
      return Optional.empty();
    }
    return addresses.refusal(uri.getHost());
  }

  Opened open(TenantId tenant, String url, String objectKey, Credentials credentials)
      throws FetchFailed {
    InputStream raw;
    String from;
    if (objectKey != null) {
      from = "object " + objectKey;
      raw =
          store
              .open(ObjectKeys.tenantPrefix(tenant) + objectKey)
              .orElseThrow(
                  () -> new FetchFailed("no object " + objectKey + " under your prefix", true));
    } else {
      from = url;
      raw = fromUrl(URI.create(url), credentials);
    }
    try {
      return new Opened(decoded(raw), from);
    } catch (IOException e) {
      close(raw);
      throw new FetchFailed("could not read " + from + ": " + e.getMessage(), true);
    }
  }

  private InputStream fromUrl(URI start, Credentials credentials) throws FetchFailed {
    URI current = start;
    for (int hop = 0; hop <= props.maxRedirects(); hop++) {
      Optional<String> refused = refusal(current.toString());
      if (refused.isPresent()) {
        throw new FetchFailed("feed URL " + current + " refused: " + refused.get(), false);
      }
      HttpRequest.Builder request =
          HttpRequest.newBuilder(current)
              .timeout(props.connectTimeout())
              .header("Accept-Encoding", "gzip")
              .header("User-Agent", "catalog-image-pipeline/1 (feed fetch)")
              .GET();
      if (credentials != null && sameOrigin(start, current)) {
        request.header("Authorization", credentials.header());
      }
      HttpResponse<InputStream> response;
      try {
        response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
      } catch (IOException e) {
        throw new FetchFailed("could not fetch " + current + ": " + describe(e), true);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new FetchFailed("interrupted while fetching " + current, true);
      }
      int status = response.statusCode();
      if (status >= 300 && status < 400) {
        close(response.body());
        Optional<String> location = response.headers().firstValue("location");
        if (location.isEmpty()) {
          throw new FetchFailed(
              current + " redirected (HTTP " + status + ") without a location", true);
        }
        current = current.resolve(location.get());
        continue;
      }
      if (status != 200) {
        close(response.body());
        throw new FetchFailed(
            current
                + " answered HTTP "
                + status
                + (status == 401 || status == 403 ? " (check the schedule's credentials)" : ""),
            true);
      }
      return new IdleGuard(response.body(), current);
    }
    throw new FetchFailed(
        start + " redirected more than " + props.maxRedirects() + " times", false);
  }

  private static boolean sameOrigin(URI a, URI b) {
    return Objects.equals(lower(a.getScheme()), lower(b.getScheme()))
        && Objects.equals(lower(a.getHost()), lower(b.getHost()))
        && port(a) == port(b);
  }

  private static String lower(String s) {
    return s == null ? null : s.toLowerCase(Locale.ROOT);
  }

  private static int port(URI u) {
    return u.getPort() != -1 ? u.getPort() : "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80;
  }

  private static String describe(IOException e) {
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }

  /** Gunzipped when the bytes say gzip; capped at the feed size limit after that. */
  private InputStream decoded(InputStream raw) throws IOException {
    BufferedInputStream in = new BufferedInputStream(raw, 1 << 16);
    in.mark(2);
    int b1 = in.read();
    int b2 = in.read();
    in.reset();
    InputStream body = b1 == 0x1f && b2 == 0x8b ? new GZIPInputStream(in, 1 << 16) : in;
    return new SizeLimit(body, props.maxFeedSize().toBytes());
  }

  private static void close(InputStream in) {
    try {
      in.close();
    } catch (IOException ignored) {
      // the connection is released either way
    }
  }

  /** The feed passed the size limit: not retried, the feed itself is the problem. */
  static final class FeedTooLarge extends IOException {
    FeedTooLarge(long limit) {
      super("the feed is larger than " + limit + " bytes (pipeline.schedules.max-feed-size)");
    }
  }

  private static final class SizeLimit extends FilterInputStream {
    private final long limit;
    private long read;

    SizeLimit(InputStream in, long limit) {
      super(in);
      this.limit = limit;
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        count(1);
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      if (n > 0) {
        count(n);
      }
      return n;
    }

    private void count(int n) throws IOException {
      read += n;
      if (read > limit) {
        throw new FeedTooLarge(limit);
      }
    }
  }

  /** Closes a download that has sent nothing for the read timeout (a stalled server). */
  private final class IdleGuard extends FilterInputStream {
    private volatile long lastRead = System.nanoTime();
    private volatile boolean timedOut;
    private final URI uri;
    private final ScheduledFuture<?> check;

    IdleGuard(InputStream in, URI uri) {
      super(in);
      this.uri = uri;
      long period = Math.max(100, props.readTimeout().toMillis() / 4);
      this.check =
          watchdog.scheduleAtFixedRate(this::checkIdle, period, period, TimeUnit.MILLISECONDS);
    }

    private void checkIdle() {
      if (System.nanoTime() - lastRead > props.readTimeout().toNanos()) {
        timedOut = true;
        check.cancel(false);
        FeedFetcher.close(in);
      }
    }

    @Override
    public int read() throws IOException {
      try {
        int b = super.read();
        lastRead = System.nanoTime();
        return b;
      } catch (IOException e) {
        throw timedOut ? stalled() : e;
      }
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      try {
        int n = super.read(b, off, len);
        lastRead = System.nanoTime();
        return n;
      } catch (IOException e) {
        throw timedOut ? stalled() : e;
      }
    }

    private IOException stalled() {
      return new IOException(
          uri + " sent nothing for " + props.readTimeout().toSeconds() + " s; download abandoned");
    }

    @Override
    public void close() throws IOException {
      check.cancel(false);
      super.close();
    }
  }
}
