package io.catalogimage.api.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Callback URLs that would reach our own network (SSRF) or leak credentials are refused. */
class CallbackUrlsTest {

  private final CallbackUrls defaults =
      new CallbackUrls(new WebhookProperties(null, null, null, null, null, null, null, null, null));

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "https://127.0.0.1/hook | loopback",
        "https://localhost:8443/hook | loopback",
        "https://[::1]/hook | loopback",
        "https://169.254.169.254/latest/meta-data | link-local",
        "https://10.0.0.7/hook | private",
        "https://192.168.1.20/hook | private",
        "https://172.16.5.5/hook | private",
        "https://100.64.0.1/hook | private",
        "https://[fd00::1]/hook | private",
        "https://0.0.0.0/hook | unspecified",
        "http://93.184.215.14/hook | must be an https URL",
        "ftp://93.184.215.14/hook | must be an https URL",
        "https://user:pw@93.184.215.14/hook | credentials",
        "https:///no-host | no host",
        "not a url | is not a URL",
        "https://no-such-host.invalid/hook | does not resolve",
      })
  void refusesInternalAddressesAndUnsafeUrls(String url, String why) {
    assertThat(defaults.refusal(url)).hasValueSatisfying(r -> assertThat(r).contains(why));
  }

  @ParameterizedTest
  @CsvSource({"https://93.184.215.14/hooks/catalog", "https://[2606:4700::1111]/hook"})
  void acceptsPublicHttpsUrls(String url) {
    assertThat(defaults.refusal(url)).isEmpty();
  }

  @ParameterizedTest
  @CsvSource({"http://127.0.0.1:9000/hook", "http://10.1.2.3/hook"})
  void internalAndPlainHttpOnlyWhenConfigured(String url) {
    CallbackUrls local =
        new CallbackUrls(
            new WebhookProperties(null, null, null, true, true, null, null, null, null));
    assertThat(local.refusal(url)).isEmpty();
  }
}
