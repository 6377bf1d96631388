package io.catalogimage.api.webhook;

import io.catalogimage.common.net.AddressPolicy;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Optional;
import org.springframework.stereotype.Component;

/**
 * Which callback URLs the pipeline will post to: absolute https (http only when configured), no
 * credentials in the URL, and a host that resolves to public addresses only (no SSRF into our
 * network). Checked when a URL is given and again before every delivery, since DNS can change.
 */
@Component
public class CallbackUrls {

  static final int MAX_LENGTH = 2000;

  private final AddressPolicy addresses;
  private final boolean allowHttp;

  CallbackUrls(WebhookProperties props) {
    this.addresses = new AddressPolicy(props.allowPrivateAddresses());
    this.allowHttp = props.allowHttp();
  }

  /** Why {@code url} may not be used, or empty when it may. */
  public Optional<String> refusal(String url) {
    if (url.length() > MAX_LENGTH) {
      return Optional.of("is longer than " + MAX_LENGTH + " characters");
    }
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      return Optional.of("is not a URL: " + e.getMessage());
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("https") && !(allowHttp && scheme.equals("http"))) {
      return Optional.of(
          "must be an https URL"
              + (allowHttp ? " or http" : "")
              + " (got '"
              + (uri.getScheme() == null ? url : uri.getScheme())
              + "')");
    }
    if (uri.getRawUserInfo() != null) {
      return Optional.of("must not carry credentials (user:password@)");
    }
    if (uri.getRawFragment() != null) {
      return Optional.of("must not have a fragment (#...)");
    }
    return addresses.refusal(uri.getHost());
  }
}
