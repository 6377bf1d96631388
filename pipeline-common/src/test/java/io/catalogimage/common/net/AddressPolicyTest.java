package io.catalogimage.common.net;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AddressPolicyTest {

  private final AddressPolicy publicOnly = new AddressPolicy(false);

  @ParameterizedTest
  @ValueSource(
      strings = {
        "127.0.0.1",
        "127.1.2.3",
        "localhost",
        "[::1]",
        "0.0.0.0",
        "169.254.169.254",
        "10.0.0.7",
        "172.16.5.4",
        "192.168.1.1",
        "100.64.0.1",
        "[fd00::1]",
        "[fe80::1]",
        "224.0.0.1",
        "[::ffff:127.0.0.1]"
      })
  void internal_addresses_are_refused_with_the_reason(String host) {
    assertThat(publicOnly.refusal(host)).isPresent().get().asString().contains("resolves to");
  }

  @ParameterizedTest
  @ValueSource(strings = {"8.8.8.8", "93.184.216.34", "[2001:4860:4860::8888]"})
  void public_addresses_are_allowed(String host) {
    assertThat(publicOnly.refusal(host)).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"127.0.0.1", "169.254.169.254", "10.0.0.7"})
  void internal_addresses_are_allowed_when_configured(String host) {
    assertThat(new AddressPolicy(true).refusal(host)).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "no-such-host.invalid"})
  void hosts_that_do_not_resolve_are_refused(String host) {
    assertThat(publicOnly.refusal(host)).isPresent();
  }
}
