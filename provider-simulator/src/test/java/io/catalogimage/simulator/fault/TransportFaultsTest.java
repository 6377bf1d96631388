package io.catalogimage.simulator.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.catalogimage.simulator.ProviderSimulator;
import io.catalogimage.simulator.SimClient;
import io.catalogimage.simulator.SimulatorConfig;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The faults that are not an answer: a hung model, a connection reset after the work, and a 429
 * that never says when to come back; each on both protocols, scripted per model by rate.
 */
class TransportFaultsTest {

  private static final String NB2 = "gemini-3.1-flash-image";
  private static final String PRO = "gemini-3-pro-image";
  private static ProviderSimulator sim;
  private static final HttpClient HTTP =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeAll
  static void start() {
    sim =
        ProviderSimulator.start(
            SimulatorConfig.defaults()
                .withTimeScale(0)
                .withoutPeak()
                .withHangFor(Duration.ofMillis(700))
                .withFaultRate(NB2, FaultKind.HANG, 1.0)
                .withRetryAfterHeader(true));
  }

  @AfterAll
  static void stop() {
    sim.close();
  }

  private static HttpRequest gemini(String model, String prompt, Duration timeout) {
    return HttpRequest.newBuilder(
            sim.baseUri().resolve("/v1beta/models/" + model + ":generateContent"))
        .header("Content-Type", "application/json")
        .header("x-goog-api-key", SimClient.KEY)
        .timeout(timeout)
        .POST(HttpRequest.BodyPublishers.ofString(SimClient.image(prompt, "1:1", "1K").toString()))
        .build();
  }

  private static HttpRequest openai(String prompt) {
    return HttpRequest.newBuilder(sim.baseUri().resolve("/v1/images/generations"))
        .header("Content-Type", "application/json")
        .header("Authorization", "Bearer " + SimClient.KEY)
        .timeout(Duration.ofSeconds(10))
        .POST(
            HttpRequest.BodyPublishers.ofString(
                "{\"model\": \"gpt-image-1\", \"prompt\": \"" + prompt + "\"}"))
        .build();
  }

  @Test
  void a_model_scripted_to_hang_never_answers_and_its_caller_times_out() {
    long before = sim.stats().models().get(NB2) == null ? 0 : sim.stats().models().get(NB2).calls();
    assertThatThrownBy(
            () ->
                HTTP.send(
                    gemini(NB2, "A teapot", Duration.ofMillis(300)),
                    HttpResponse.BodyHandlers.ofString()))
        .isInstanceOf(HttpTimeoutException.class);
    assertThat(sim.stats().models().get(NB2).calls()).isEqualTo(before + 1);
    assertThat(sim.stats().models().get(NB2).outcomes()).containsKey("HANG");
  }

  @Test
  void a_hung_call_is_closed_unanswered_after_hang_for() {
    long started = System.nanoTime();
    assertThatThrownBy(
            () ->
                HTTP.send(
                    gemini(NB2, "A kettle", Duration.ofSeconds(10)),
                    HttpResponse.BodyHandlers.ofString()))
        .isInstanceOf(IOException.class)
        .isNotInstanceOf(HttpTimeoutException.class);
    assertThat(Duration.ofNanos(System.nanoTime() - started))
        .isGreaterThanOrEqualTo(Duration.ofMillis(600));
  }

  @Test
  void the_other_model_of_the_chain_still_answers() throws Exception {
    HttpResponse<String> r =
        HTTP.send(
            gemini(PRO, "A kettle", Duration.ofSeconds(10)), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
  }

  @Test
  void a_reset_closes_the_connection_without_a_status_line_on_both_protocols() {
    assertThatThrownBy(
            () ->
                HTTP.send(
                    gemini(PRO, "A lamp [sim:CONNECTION_RESET]", Duration.ofSeconds(10)),
                    HttpResponse.BodyHandlers.ofString()))
        .isInstanceOf(IOException.class)
        .isNotInstanceOf(HttpTimeoutException.class);
    assertThatThrownBy(
            () ->
                HTTP.send(
                    openai("A lamp [sim:CONNECTION_RESET]"), HttpResponse.BodyHandlers.ofString()))
        .isInstanceOf(IOException.class)
        .isNotInstanceOf(HttpTimeoutException.class);
    assertThat(sim.stats().models().get(PRO).outcomes()).containsKey("CONNECTION_RESET");
  }

  @Test
  void a_429_without_any_hint_has_no_retry_info_no_retry_text_and_no_header() throws Exception {
    HttpResponse<String> g =
        HTTP.send(
            gemini(PRO, "A rug [sim:RATE_LIMITED_NO_HINT]", Duration.ofSeconds(10)),
            HttpResponse.BodyHandlers.ofString());
    assertThat(g.statusCode()).isEqualTo(429);
    assertThat(g.body()).contains("RESOURCE_EXHAUSTED").doesNotContain("RetryInfo");
    assertThat(g.body()).doesNotContain("Please retry");
    assertThat(g.headers().firstValue("retry-after")).isEmpty();
    HttpResponse<String> o =
        HTTP.send(openai("A rug [sim:RATE_LIMITED_NO_HINT]"), HttpResponse.BodyHandlers.ofString());
    assertThat(o.statusCode()).isEqualTo(429);
    assertThat(o.body()).contains("rate_limit_exceeded").doesNotContain("try again in");
    assertThat(o.headers().firstValue("retry-after")).isEmpty();
    assertThat(o.headers().firstValue("retry-after-ms")).isEmpty();
  }

  @Test
  void a_per_minute_429_can_carry_its_delay_in_a_retry_after_header_too() throws Exception {
    HttpResponse<String> g =
        HTTP.send(
            gemini(PRO, "A jug [sim:RATE_LIMITED]", Duration.ofSeconds(10)),
            HttpResponse.BodyHandlers.ofString());
    assertThat(g.statusCode()).isEqualTo(429);
    assertThat(g.body()).contains("RetryInfo");
    assertThat(g.headers().firstValue("retry-after")).isPresent();
  }
}
