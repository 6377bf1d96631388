package io.catalogimage.api.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The in-memory failure counts: bounded, and a flood does not buy an attacker a fresh start. */
class FailedAuthenticationsTest {

  private static SecurityProperties props(int tracked) {
    return new SecurityProperties(null, null, 3, 5, List.of(), tracked, null);
  }

  @Test
  void an_address_past_its_limit_waits_for_the_refill() {
    FailedAuthentications failures = new FailedAuthentications(props(1000), Runnable::run);
    for (int i = 0; i < 3; i++) {
      assertThat(failures.wait("203.0.113.1", null)).isEmpty();
      failures.failed("203.0.113.1", null);
    }

    assertThat(failures.wait("203.0.113.1", null))
        .hasValueSatisfying(d -> assertThat(d.toSeconds()).isBetween(1L, 60L));
    assertThat(failures.wait("203.0.113.2", null)).isEmpty();
  }

  @Test
  void a_key_prefix_is_limited_across_addresses() {
    FailedAuthentications failures = new FailedAuthentications(props(1000), Runnable::run);
    for (int i = 0; i < 5; i++) {
      failures.failed("198.51.100." + i, "cip_AAAAAAAAAA");
    }

    assertThat(failures.wait("198.51.100.77", "cip_AAAAAAAAAA")).isPresent();
    assertThat(failures.wait("198.51.100.77", "cip_BBBBBBBBBB")).isEmpty();
  }

  @Test
  void a_flood_of_new_addresses_does_not_reset_one_that_keeps_failing() {
    int tracked = 1_000;
    FailedAuthentications failures = new FailedAuthentications(props(tracked), Runnable::run);
    String attacker = "203.0.113.66";
    for (int i = 0; i < 4; i++) {
      failures.wait(attacker, null);
      failures.failed(attacker, null);
    }
    assertThat(failures.wait(attacker, null)).isPresent();

    for (int i = 0; i < 20 * tracked; i++) {
      String other = "10." + (i >> 16) + "." + ((i >> 8) & 0xff) + "." + (i & 0xff);
      failures.wait(other, null);
      failures.failed(other, null);
      if (i % 50 == 0) {
        failures.wait(attacker, null); // the attacker keeps trying meanwhile
        failures.failed(attacker, null);
      }
    }

    assertThat(failures.wait(attacker, null)).isPresent();
    assertThat(failures.trackedAddresses()).isLessThanOrEqualTo(tracked);
  }
}
