package io.catalogimage.worker.reference;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.catalogimage.common.batch.ReferenceImageSource;
import io.catalogimage.common.id.TenantId;
import io.catalogimage.common.storage.ObjectStore;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.util.unit.DataSize;

/**
 * Reference photos over real HTTP from a local image host: what is fetched, and every way a URL is
 * refused (internal addresses, redirects into them, size, type).
 */
class ReferenceImagesTest {

  private static final byte[] PNG = {
    (byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, 'I', 'H', 'D', 'R'
  };
  private static final byte[] JPEG = {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xE0, 0, 0x10};
  private static final TenantId TENANT = new TenantId(UUID.randomUUID());

  private static HttpServer host;
  private static String base;
  private static final Map<String, byte[]> objects = new ConcurrentHashMap<>();
  private static final ObjectStore store =
      new ObjectStore() {
        @Override
        public void put(String key, byte[] content, String contentType) {
          objects.put(key, content);
        }

        @Override
        public Optional<byte[]> get(String key) {
          return Optional.ofNullable(objects.get(key));
        }

        @Override
        public URI presignedGet(String key, Duration validFor) {
          throw new UnsupportedOperationException();
        }
      };

  @BeforeAll
  static void startImageHost() throws IOException {
    host = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    serve("/photo.png", 200, "image/png", PNG, null);
    serve("/photo.jpg", 200, "image/jpeg", JPEG, null);
    serve("/page.html", 200, "text/html", "<html></html>".getBytes(), null);
    serve("/lying.png", 200, "image/png", JPEG, null);
    serve("/huge.png", 200, "image/png", new byte[2 * 1024 * 1024], null);
    serve("/gone.png", 404, "text/plain", "no".getBytes(), null);
    serve("/to-metadata", 302, "text/plain", new byte[0], "http://169.254.169.254/latest/");
    serve("/to-photo", 302, "text/plain", new byte[0], "/photo.png");
    serve("/loop", 302, "text/plain", new byte[0], "/loop");
    host.start();
    base = "http://127.0.0.1:" + host.getAddress().getPort();
  }

  private static void serve(String path, int status, String type, byte[] body, String location) {
    host.createContext(
        path,
        exchange -> {
          exchange.getResponseHeaders().add("Content-Type", type);
          if (location != null) {
            exchange.getResponseHeaders().add("Location", location);
          }
          exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
          if (body.length > 0) {
            exchange.getResponseBody().write(body);
          }
          exchange.close();
        });
  }

  @AfterAll
  static void stop() {
    host.stop(0);
  }

  private static ReferenceImages images(boolean allowPrivate) {
    return new ReferenceImages(
        new ReferenceImageProperties(
            DataSize.ofMegabytes(1), Duration.ofSeconds(5), 3, allowPrivate, List.of()),
        store);
  }

  private static ReferenceImages.Fetched url(boolean allowPrivate, String url) {
    return images(allowPrivate).fetch(TENANT, new ReferenceImageSource(url, null));
  }

  private static String refusal(ReferenceImages.Fetched fetched) {
    assertThat(fetched).isInstanceOf(ReferenceImages.Refused.class);
    return ((ReferenceImages.Refused) fetched).reason();
  }

  @Test
  void a_png_from_an_allowed_host_is_fetched_with_its_type() {
    ReferenceImages.Fetched fetched = url(true, base + "/photo.png");

    assertThat(fetched).isInstanceOf(ReferenceImages.Image.class);
    assertThat(((ReferenceImages.Image) fetched).image().mimeType()).isEqualTo("image/png");
    assertThat(((ReferenceImages.Image) fetched).image().bytes()).isEqualTo(PNG);
  }

  @Test
  void a_relative_redirect_is_followed() {
    assertThat(url(true, base + "/to-photo")).isInstanceOf(ReferenceImages.Image.class);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "http://127.0.0.1:%d/photo.png",
        "http://localhost:%d/photo.png",
        "http://[::1]:%d/photo.png",
        "http://169.254.169.254:%d/latest/meta-data",
        "http://10.1.2.3:%d/photo.png",
        "http://192.168.0.10:%d/photo.png",
        "http://0.0.0.0:%d/photo.png"
      })
  void internal_addresses_are_refused_before_any_request(String template) {
    String reason = refusal(url(false, template.formatted(host.getAddress().getPort())));

    assertThat(reason).contains("refused").contains("resolves to");
  }

  @Test
  void a_redirect_into_the_internal_network_is_refused_even_from_a_trusted_host() {
    ReferenceImages trustingTheImageHost =
        new ReferenceImages(
            new ReferenceImageProperties(
                DataSize.ofMegabytes(1), Duration.ofSeconds(5), 3, false, List.of("127.0.0.1")),
            store);

    ReferenceImages.Fetched direct =
        trustingTheImageHost.fetch(TENANT, new ReferenceImageSource(base + "/photo.png", null));
    ReferenceImages.Fetched redirected =
        trustingTheImageHost.fetch(TENANT, new ReferenceImageSource(base + "/to-metadata", null));

    assertThat(direct).isInstanceOf(ReferenceImages.Image.class);
    assertThat(refusal(redirected)).contains("169.254.169.254").contains("link-local");
  }

  @Test
  void endless_redirects_stop_at_the_limit() {
    assertThat(refusal(url(true, base + "/loop"))).contains("redirected more than 3 times");
  }

  @Test
  void a_file_larger_than_the_limit_is_refused() {
    assertThat(refusal(url(true, base + "/huge.png"))).contains("larger than 1 MB");
  }

  @Test
  void something_that_is_not_an_image_is_refused() {
    assertThat(refusal(url(true, base + "/page.html"))).contains("not a PNG, JPEG or WebP");
  }

  @Test
  void a_declared_type_that_lies_about_the_bytes_is_refused() {
    assertThat(refusal(url(true, base + "/lying.png")))
        .contains("declared image/png but is image/jpeg");
  }

  @Test
  void an_http_error_is_refused_with_the_status() {
    assertThat(refusal(url(true, base + "/gone.png"))).contains("HTTP 404");
  }

  @Test
  void other_schemes_are_refused() {
    assertThat(refusal(url(true, "file:///etc/passwd"))).contains("only http and https");
  }

  @Test
  void an_object_key_is_read_from_the_tenants_own_prefix_only() {
    objects.put("tenants/" + TENANT + "/photos/ts-001.jpg", JPEG);
    objects.put("tenants/someone-else/photos/secret.jpg", JPEG);

    ReferenceImages.Fetched own =
        images(false).fetch(TENANT, new ReferenceImageSource(null, "photos/ts-001.jpg"));
    ReferenceImages.Fetched foreign =
        images(false)
            .fetch(TENANT, new ReferenceImageSource(null, "../someone-else/photos/secret.jpg"));

    assertThat(own).isInstanceOf(ReferenceImages.Image.class);
    assertThat(((ReferenceImages.Image) own).image().mimeType()).isEqualTo("image/jpeg");
    assertThat(refusal(foreign)).contains("leaves your prefix");
  }
}
