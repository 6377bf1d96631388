package io.catalogimage.worker.provider;

import static org.assertj.core.api.Assertions.assertThat;

import io.catalogimage.worker.testing.MovableClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Each model's timeout follows the latency it really shows, within bounds. */
class ModelTimeoutsTest {

  private static final String NB2 = "gemini-3.1-flash-image";

  @Test
  void before_enough_calls_the_sizes_initial_timeout_applies() {
    ModelTimeouts t = new ModelTimeouts(TimeoutProperties.defaults());
    for (int i = 0; i < 19; i++) {
      t.observe(NB2, "1K", Duration.ofSeconds(7));
    }

    assertThat(t.timeoutFor(NB2, "1K", null)).isEqualTo(Duration.ofSeconds(60));
    assertThat(t.timeoutFor(NB2, "4K", null)).isEqualTo(Duration.ofSeconds(150));
    assertThat(t.timeoutFor(NB2, "unknown", null)).isEqualTo(Duration.ofSeconds(90));
  }

  @Test
  void then_it_is_three_times_the_observed_p95_so_a_hung_model_is_left_in_tens_of_seconds() {
    ModelTimeouts t = new ModelTimeouts(TimeoutProperties.defaults());
    for (int i = 1; i <= 100; i++) {
      t.observe(NB2, "1K", Duration.ofMillis(100L * i)); // 0.1 s .. 10 s: p95 = 9.5 s
    }

    assertThat(t.timeoutFor(NB2, "1K", null)).isEqualTo(Duration.ofMillis(28_500));
  }

  @Test
  void it_stays_within_min_max_and_the_endpoints_ceiling() {
    ModelTimeouts t = new ModelTimeouts(TimeoutProperties.defaults());
    for (int i = 0; i < 50; i++) {
      t.observe(NB2, "512", Duration.ofMillis(300));
      t.observe(NB2, "4K", Duration.ofSeconds(90));
    }

    assertThat(t.timeoutFor(NB2, "512", null)).isEqualTo(Duration.ofSeconds(10));
    assertThat(t.timeoutFor(NB2, "4K", null)).isEqualTo(Duration.ofSeconds(180));
    assertThat(t.timeoutFor(NB2, "4K", Duration.ofSeconds(120))).isEqualTo(Duration.ofSeconds(120));
  }

  @Test
  void it_forgets_old_latencies_beyond_its_window() {
    ModelTimeouts t =
        new ModelTimeouts(new TimeoutProperties(null, null, null, null, 20, 20, null, null, null));
    for (int i = 0; i < 20; i++) {
      t.observe(NB2, "1K", Duration.ofSeconds(30));
    }
    for (int i = 0; i < 20; i++) {
      t.observe(NB2, "1K", Duration.ofSeconds(5));
    }

    assertThat(t.timeoutFor(NB2, "1K", null)).isEqualTo(Duration.ofSeconds(15));
  }

  private static final Duration ENDPOINT = Duration.ofSeconds(180);

  private final MovableClock clock = new MovableClock(Instant.parse("2026-12-06T12:00:00Z"));

  /** A model learnt at 20 s a call (timeout 60 s), that then times out {@code n} times in a row. */
  private ModelTimeouts learntThenTimedOut(int n) {
    ModelTimeouts t = new ModelTimeouts(TimeoutProperties.defaults(), clock);
    for (int i = 0; i < 20; i++) {
      t.observe(NB2, "1K", Duration.ofSeconds(20));
    }
    assertThat(t.timeoutFor(NB2, "1K", ENDPOINT)).isEqualTo(Duration.ofSeconds(60));
    for (int i = 0; i < n; i++) {
      t.timedOut(NB2, "1K", null);
    }
    return t;
  }

  @Test
  void a_model_that_slowed_down_is_learnt_through_one_stretched_call_at_a_time() {
    ModelTimeouts t = learntThenTimedOut(2);
    assertThat(t.stretch(NB2, "1K", ENDPOINT)).as("two timeouts are not yet a pattern").isEmpty();
    t.timedOut(NB2, "1K", null);

    ModelTimeouts.Stretched probe = t.stretch(NB2, "1K", ENDPOINT).orElseThrow();
    assertThat(probe.timeout()).isEqualTo(Duration.ofSeconds(120));
    assertThat(probe.full()).isFalse();
    assertThat(t.stretch(NB2, "1K", ENDPOINT)).as("one stretched call at a time").isEmpty();
    assertThat(t.timeoutFor(NB2, "1K", ENDPOINT))
        .as("the other calls keep the normal timeout meanwhile")
        .isEqualTo(Duration.ofSeconds(60));

    t.observe(NB2, "1K", Duration.ofSeconds(90), probe); // the model now takes 90 s

    assertThat(t.timeoutFor(NB2, "1K", ENDPOINT))
        .as("3 x 90 s, within max: every call now waits long enough")
        .isEqualTo(Duration.ofSeconds(180));
    assertThat(t.stretch(NB2, "1K", ENDPOINT)).isEmpty();
    // its new latencies replace the old ones: 20 successes at 40 s teach 120 s
    for (int i = 0; i < 20; i++) {
      t.observe(NB2, "1K", Duration.ofSeconds(40));
    }
    assertThat(t.timeoutFor(NB2, "1K", ENDPOINT)).isEqualTo(Duration.ofSeconds(120));
  }

  @Test
  void a_hung_model_is_stretched_up_to_the_endpoints_timeout_once_then_left_alone() {
    ModelTimeouts t = learntThenTimedOut(3);

    ModelTimeouts.Stretched first = t.stretch(NB2, "1K", ENDPOINT).orElseThrow();
    assertThat(first.timeout()).isEqualTo(Duration.ofSeconds(120));
    t.timedOut(NB2, "1K", first);
    ModelTimeouts.Stretched second = t.stretch(NB2, "1K", ENDPOINT).orElseThrow();
    assertThat(second.timeout()).as("doubled, capped by the endpoint's").isEqualTo(ENDPOINT);
    assertThat(second.full()).isTrue();
    t.timedOut(NB2, "1K", second);

    // hung: no call waits long any more, every one times out at the normal timeout
    for (int i = 0; i < 10; i++) {
      t.timedOut(NB2, "1K", null);
      assertThat(t.stretch(NB2, "1K", ENDPOINT)).isEmpty();
    }
    clock.advance(Duration.ofMinutes(10));
    assertThat(t.stretch(NB2, "1K", ENDPOINT).orElseThrow().timeout())
        .as("tried again after hung-retry, from twice the timeout")
        .isEqualTo(Duration.ofSeconds(120));
  }

  @Test
  void a_stretched_call_without_a_verdict_lets_the_next_call_be_stretched() {
    ModelTimeouts t = learntThenTimedOut(3);
    ModelTimeouts.Stretched probe = t.stretch(NB2, "1K", ENDPOINT).orElseThrow();

    t.noVerdict(probe); // a 503, or the call was never made

    assertThat(t.stretch(NB2, "1K", ENDPOINT).orElseThrow().timeout())
        .isEqualTo(Duration.ofSeconds(120));
  }

  @Test
  void a_fast_success_of_a_stretched_call_keeps_what_was_learnt() {
    ModelTimeouts t = learntThenTimedOut(3);
    ModelTimeouts.Stretched probe = t.stretch(NB2, "1K", ENDPOINT).orElseThrow();

    t.observe(NB2, "1K", Duration.ofSeconds(20), probe); // the model is back to its speed

    assertThat(t.timeoutFor(NB2, "1K", ENDPOINT)).isEqualTo(Duration.ofSeconds(60));
    assertThat(t.stretch(NB2, "1K", ENDPOINT)).isEmpty();
  }

  @Test
  void stretching_can_be_switched_off() {
    ModelTimeouts t =
        new ModelTimeouts(
            new TimeoutProperties(null, null, null, null, null, null, null, 0, null), clock);
    for (int i = 0; i < 5; i++) {
      t.timedOut(NB2, "1K", null);
    }
    assertThat(t.stretch(NB2, "1K", ENDPOINT)).isEmpty();
  }
}
