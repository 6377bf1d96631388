package io.catalogimage.worker.reference;

import io.catalogimage.common.batch.ReferenceImageSource;
import io.catalogimage.common.id.TenantId;
import io.catalogimage.common.image.ImageTypes;
import io.catalogimage.common.net.AddressPolicy;
import io.catalogimage.common.storage.ObjectKeys;
import io.catalogimage.common.storage.ObjectStore;
import io.catalogimage.worker.provider.GenerationRequest.ReferenceImage;
import io.catalogimage.worker.result.ResultProperties;
import io.catalogimage.worker.result.ResultSpool;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * Gets an item's reference photo: from a merchant's URL (public addresses only, redirects checked
 * hop by hop, size and type checked) or from our object store under the tenant's own prefix.
 *
 * <p>The host is resolved and checked before each request; the HTTP client then resolves it again,
 * so a DNS server that answers differently within that instant (rebinding) is not stopped here.
 * Deployments that need that guarantee route these fetches through an egress proxy.
 */
@Component
public class ReferenceImages {

  /** What a fetch gave: the image, or why there is none (a terminal failure of the item). */
  public sealed interface Fetched {}

  /** The photo, held in the spool until {@link ReferenceImage#release()}. */
  public record Image(ReferenceImage image) implements Fetched {}

  public record Refused(String reason) implements Fetched {}

  private final ReferenceImageProperties props;
  private final AddressPolicy addresses;
  private final ObjectStore store;
  private final HttpClient http;
  private final ResultSpool spool;

  /** Photos held outside any byte budget (tests). */
  public ReferenceImages(ReferenceImageProperties props, ObjectStore store) {
    this(props, store, new ResultSpool(ResultProperties.defaults()));
  }

  /**
   * @param spool where photos are kept while their call is in flight (memory chunks, then disk),
   *     counted in the worker's byte budget
   */
  @Autowired
  public ReferenceImages(ReferenceImageProperties props, ObjectStore store, ResultSpool spool) {
    this.spool = spool;
    this.props = props;
    this.addresses = new AddressPolicy(props.allowPrivateAddresses());
    this.store = store;
    this.http =
        HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(props.timeout())
            .build();
  }

  public Fetched fetch(TenantId tenant, ReferenceImageSource source) {
    try {
      return source.hasUrl() ? fromUrl(URI.create(source.url())) : fromStore(tenant, source);
    } catch (IllegalArgumentException e) {
      return new Refused("reference image: " + e.getMessage());
    }
  }

  private Fetched fromStore(TenantId tenant, ReferenceImageSource source) {
    if (Arrays.asList(source.objectKey().split("/")).contains("..")
        || source.objectKey().startsWith("/")) {
      return new Refused(
          "reference image: object key " + source.objectKey() + " leaves your prefix");
    }
    String key = ObjectKeys.tenantPrefix(tenant) + source.objectKey();
    Optional<InputStream> object = store.open(key);
    if (object.isEmpty()) {
      return new Refused("reference image: no object " + source.objectKey() + " under your prefix");
    }
    try (InputStream in = object.get()) {
      return spooled(in, null, source.objectKey());
    } catch (IOException e) {
      return new Refused("reference image " + source.objectKey() + " could not be read: " + e);
    }
  }

  private Fetched fromUrl(URI uri) {
    URI current = uri;
    for (int hop = 0; hop <= props.maxRedirects(); hop++) {
      String scheme = String.valueOf(current.getScheme()).toLowerCase(Locale.ROOT);
      if (!scheme.equals("http") && !scheme.equals("https")) {
        return new Refused("reference image: only http and https URLs, not " + current);
      }
      Optional<String> refused =
          props.trustedHosts().contains(current.getHost())
              ? Optional.empty()
              : addresses.refusal(current.getHost());
      if (refused.isPresent()) {
        return new Refused("reference image " + current + " refused: " + refused.get());
      }
      HttpResponse<InputStream> response;
      try {
        response =
            http.send(
                HttpRequest.newBuilder(current).timeout(props.timeout()).GET().build(),
                HttpResponse.BodyHandlers.ofInputStream());
      } catch (IOException e) {
        return new Refused("reference image " + current + " could not be fetched: " + e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return new Refused("reference image fetch interrupted");
      }
      int status = response.statusCode();
      if (status >= 300 && status < 400) {
        close(response);
        Optional<String> location = response.headers().firstValue("location");
        if (location.isEmpty()) {
          return new Refused("reference image " + current + " redirected without a location");
        }
        current = current.resolve(location.get());
        continue;
      }
      if (status != 200) {
        close(response);
        return new Refused("reference image " + current + " answered HTTP " + status);
      }
      return read(response, current);
    }
    return new Refused(
        "reference image " + uri + " redirected more than " + props.maxRedirects() + " times");
  }

  private Fetched read(HttpResponse<InputStream> response, URI uri) {
    long max = props.maxSize().toBytes();
    long declared = response.headers().firstValueAsLong("content-length").orElse(-1);
    if (declared > max) {
      close(response);
      return new Refused(tooLarge(uri.toString()));
    }
    try (InputStream in = response.body()) {
      return spooled(
          in, response.headers().firstValue("content-type").orElse(null), uri.toString());
    } catch (IOException e) {
      return new Refused("reference image " + uri + " could not be read: " + e);
    }
  }

  /**
   * Copies the photo into the spool as it is read (never whole in one array: real photos are
   * several MB and each call in flight holds one), refusing it once it passes the size limit; then
   * checks a type both declared (when there is a header) and true to the first bytes.
   */
  private Fetched spooled(InputStream in, String contentType, String where) throws IOException {
    long max = props.maxSize().toBytes();
    ResultSpool.Held held;
    try (ResultSpool.Receiving photo = spool.receive()) {
      byte[] buffer = new byte[64 * 1024];
      for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
        if (photo.size() + n > max) {
          return new Refused(tooLarge(where)); // closing the photo frees what it received
        }
        photo.write(buffer, 0, n);
      }
      held = photo.finish();
    }
    String sniffed = ImageTypes.sniff(held.head());
    String refusal = null;
    if (sniffed == null) {
      refusal = "reference image " + where + " is not a PNG, JPEG or WebP image";
    } else if (contentType != null) {
      String declared = contentType.split(";")[0].trim().toLowerCase(Locale.ROOT);
      if (!declared.equals(sniffed)) {
        refusal = "reference image " + where + " is declared " + declared + " but is " + sniffed;
      }
    }
    if (refusal != null) {
      held.release();
      return new Refused(refusal);
    }
    return new Image(new ReferenceImage(sniffed, held));
  }

  private String tooLarge(String where) {
    return "reference image " + where + " is larger than " + props.maxSize().toMegabytes() + " MB";
  }

  private static void close(HttpResponse<InputStream> response) {
    try {
      response.body().close();
    } catch (IOException ignored) {
      // nothing to release beyond the connection
    }
  }
}
