package io.catalogimage.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.catalogimage.simulator.SimulatorConfig;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * What an operator and a merchant see of a running pipeline: both apps' Prometheus metrics after a
 * small batch (behind the admin token), their readiness, and the tenant's dashboard driven in a
 * real headless Chromium: sign in, a batch to 100%, a failed item's reason, its re-drive, and a
 * catalog string full of markup shown as text.
 */
class OperationsEndToEndTest {

  private static final String XSS = "<img src=x onerror=alert(1)>";
  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

  private static LocalPipeline pipeline;
  private static final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void start() {
    pipeline =
        LocalPipeline.start(
            LocalPipeline.Options.defaults()
                .withSimulator(SimulatorConfig.defaults().withoutPeak().withTimeScale(0))
                // one attempt: an item the simulator fails once is FAILED, and its re-drive works
                .withProperty("pipeline.retry.max-attempts", 1),
            step -> {});
  }

  @AfterAll
  static void stop() {
    pipeline.close();
  }

  private static String submit(String name, List<String> titles) {
    StringBuilder items = new StringBuilder();
    for (int i = 0; i < titles.size(); i++) {
      items
          .append(i == 0 ? "" : ",")
          .append("{\"sku\": \"OP-%d\", \"title\": \"%s\"}".formatted(i, titles.get(i)));
    }
    return Pipelines.submit(
        pipeline,
        """
        {"name": "%s", "tier": "fast", "lane": "interactive",
         "variants": [{"name": "listing", "aspectRatio": "1:1", "size": "1K"}],
         "items": [%s]}
        """
            .formatted(name, items)
            .getBytes(StandardCharsets.UTF_8));
  }

  // ---- metrics ----

  private static URI workerUri() {
    String port =
        pipeline.workers().get(0).getEnvironment().getProperty("local.server.port", "8081");
    return URI.create("http://127.0.0.1:" + port);
  }

  private static HttpResponse<String> get(URI base, String path, String bearer) {
    HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path));
    if (bearer != null) {
      request.header("Authorization", "Bearer " + bearer);
    }
    try {
      return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private record Sample(String name, Map<String, String> labels, double value) {}

  private static final Pattern LINE =
      Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})? ([^ ]+)");
  private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"([^\"]*)\"");

  private static List<Sample> scrape(URI base) {
    HttpResponse<String> answer = get(base, "/actuator/prometheus", pipeline.adminToken());
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    List<Sample> samples = new ArrayList<>();
    for (String line : answer.body().split("\n")) {
      Matcher m = LINE.matcher(line);
      if (line.startsWith("#") || !m.find()) {
        continue;
      }
      Map<String, String> labels = new LinkedHashMap<>();
      if (m.group(2) != null) {
        Matcher l = LABEL.matcher(m.group(2));
        while (l.find()) {
          labels.put(l.group(1), l.group(2));
        }
      }
      samples.add(new Sample(m.group(1), labels, Double.parseDouble(m.group(3))));
    }
    return samples;
  }

  private static double value(List<Sample> samples, String name, String... labelPairs) {
    return samples.stream()
        .filter(s -> s.name().equals(name))
        .filter(
            s -> {
              for (int i = 0; i < labelPairs.length; i += 2) {
                if (!labelPairs[i + 1].equals(s.labels().get(labelPairs[i]))) {
                  return false;
                }
              }
              return true;
            })
        .mapToDouble(Sample::value)
        .sum();
  }

  private static boolean has(List<Sample> samples, String name, String... labelPairs) {
    return samples.stream()
        .anyMatch(
            s -> {
              if (!s.name().equals(name)) {
                return false;
              }
              for (int i = 0; i < labelPairs.length; i += 2) {
                if (!labelPairs[i + 1].equals(s.labels().get(labelPairs[i]))) {
                  return false;
                }
              }
              return true;
            });
  }

  @Test
  void bothAppsExposeThePipelinesSeriesToPrometheusBehindTheAdminToken() {
    String batch =
        submit("metrics", List.of("Cup", "Bowl", "Plate", "Jug [sim:HTTP_503:1]", "Pan"));
    Pipelines.awaitCompleted(pipeline, batch, Duration.ofSeconds(60));

    for (URI app : List.of(pipeline.apiUri(), workerUri())) {
      assertThat(get(app, "/actuator/prometheus", null).statusCode()).as(app + "").isEqualTo(401);
      assertThat(get(app, "/actuator/prometheus", "not-the-token").statusCode()).isEqualTo(401);
      HttpResponse<String> ready = get(app, "/actuator/health/readiness", null);
      assertThat(ready.statusCode()).as(app + " readiness").isEqualTo(200);
      assertThat(ready.body()).contains("\"UP\"");
    }
    List<Sample> api = scrape(pipeline.apiUri());
    assertThat(value(api, "http_server_requests_seconds_count", "uri", "/v1/batches"))
        .isGreaterThanOrEqualTo(1);

    String model = "gemini-3.1-flash-image";
    await()
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(500))
        .untilAsserted(
            () -> {
              List<Sample> w = scrape(workerUri());
              // per model and endpoint: calls by outcome, latency histogram, cost
              assertThat(
                      value(
                          w,
                          "pipeline_provider_calls_total",
                          "model",
                          model,
                          "endpoint",
                          "simulator",
                          "outcome",
                          "SUCCEEDED"))
                  .isGreaterThanOrEqualTo(4);
              assertThat(value(w, "pipeline_provider_calls_total", "outcome", "SERVER_ERROR"))
                  .isGreaterThanOrEqualTo(1);
              assertThat(value(w, "pipeline_provider_latency_seconds_count", "model", model))
                  .isGreaterThanOrEqualTo(5);
              assertThat(has(w, "pipeline_provider_latency_seconds_bucket", "model", model))
                  .isTrue();
              assertThat(value(w, "pipeline_provider_cost_usd_total", "model", model)).isPositive();
              // effective rate against the budget, breaker, endpoint usable, in flight
              assertThat(has(w, "pipeline_budget_effective_rpm", "model", model)).isTrue();
              assertThat(has(w, "pipeline_budget_configured_rpm", "model", model)).isTrue();
              assertThat(value(w, "pipeline_breaker_state", "model", model)).isZero();
              assertThat(value(w, "pipeline_provider_endpoint_usable", "endpoint", "simulator"))
                  .isEqualTo(1);
              assertThat(has(w, "pipeline_worker_in_flight")).isTrue();
              // the whole pipeline: items by state, lag and dead letters per lane, outbox
              assertThat(value(w, "pipeline_items", "state", "SUCCEEDED"))
                  .isGreaterThanOrEqualTo(4);
              assertThat(value(w, "pipeline_items", "state", "FAILED")).isGreaterThanOrEqualTo(1);
              assertThat(has(w, "pipeline_kafka_lag", "lane", "interactive")).isTrue();
              assertThat(value(w, "pipeline_kafka_lag", "lane", "interactive")).isZero();
              assertThat(value(w, "pipeline_kafka_dead_letters", "lane", "bulk")).isZero();
              assertThat(has(w, "pipeline_webhooks_outbox")).isTrue();
              assertThat(value(w, "pipeline_gauges_stale")).isZero();
            });
  }

  // ---- the dashboard in a browser ----

  @Test
  void aTenantFollowsABatchToTheEndReadsAFailureAndReDrivesItInABrowser() throws IOException {
    Assumptions.assumeTrue(
        Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
        "Debian's chromium and chromium-driver are not installed (.ci/run installs them)");
    String batch =
        submit(XSS, List.of("Mug", "Lamp", XSS + " [sim:HTTP_503:1]", "Vase", "Desk", "Chair"));

    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments(
        "--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1000");
    ChromeDriverService service =
        new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).build();
    WebDriver browser = new ChromeDriver(service, options);
    try {
      WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(60));
      browser.get(pipeline.apiUri() + "/dashboard");
      wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("api-key")));
      browser.findElement(By.id("api-key")).sendKeys(pipeline.apiKey());
      browser.findElement(By.id("sign-in-button")).click();

      // the batch runs to 100%
      By row = By.cssSelector("tr[data-batch-id='" + batch + "']");
      wait.until(
          ExpectedConditions.textToBePresentInElementLocated(
              By.cssSelector("tr[data-batch-id='" + batch + "'] .percent"), "100"));
      WebElement batchRow = browser.findElement(row);
      assertThat(batchRow.findElement(By.cssSelector(".state")).getText()).isEqualTo("COMPLETED");
      // the batch's name is markup, shown as text: no image element, no alert
      assertThat(batchRow.findElement(By.cssSelector(".batch-name")).getText()).isEqualTo(XSS);
      assertThat(batchRow.findElements(By.tagName("img"))).isEmpty();
      assertThatThrownBy(() -> browser.switchTo().alert())
          .isInstanceOf(NoAlertPresentException.class);

      // the failed item's reason
      batchRow.findElement(By.cssSelector("button.show-failures")).click();
      By group = By.cssSelector(".failure-group[data-reason='FAILED · SERVER_ERROR']");
      wait.until(ExpectedConditions.visibilityOfElementLocated(group));
      browser.findElement(group).findElement(By.cssSelector("button.item-link")).click();
      wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("item-detail")));
      assertThat(browser.findElement(By.id("item-reason")).getText())
          .contains("SERVER_ERROR")
          .contains("gave up after 1 attempts");
      assertThat(browser.findElement(By.id("item-prompt")).getText()).contains(XSS);
      assertThat(browser.findElements(By.cssSelector("#board img"))).isEmpty();
      screenshot(browser, "dashboard.png");

      // re-drive: the item runs again and the batch ends with every item succeeded
      browser.findElement(group).findElement(By.cssSelector("button.redrive")).click();
      wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("detail-empty")));
      wait.until(
          ExpectedConditions.textToBePresentInElementLocated(
              By.cssSelector("tr[data-batch-id='" + batch + "'] .counts"), "succeeded 6"));
      assertThat(Pipelines.states(pipeline, batch)).isEqualTo(Map.of("SUCCEEDED", 6L));
      assertThatThrownBy(() -> browser.switchTo().alert())
          .isInstanceOf(NoAlertPresentException.class);

      // the key is in the page's memory only: not in the address, storage or cookies
      JavascriptExecutor js = (JavascriptExecutor) browser;
      assertThat(browser.getCurrentUrl()).doesNotContain(pipeline.apiKey());
      assertThat(js.executeScript("return localStorage.length + sessionStorage.length"))
          .isEqualTo(0L);
      assertThat(js.executeScript("return document.cookie")).isEqualTo("");
      screenshot(browser, "dashboard-redriven.png");
    } finally {
      browser.quit();
    }
    // the page's own headers: a strict CSP
    HttpResponse<String> page = get(pipeline.apiUri(), "/dashboard/index.html", null);
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("Content-Security-Policy"))
        .get()
        .asString()
        .contains("script-src 'self'")
        .contains("connect-src 'self'");
    // the data stays behind the key
    assertThat(get(pipeline.apiUri(), "/v1/batches", null).statusCode()).isEqualTo(401);
  }

  /** Saved under target/screenshots/ (docs/dashboard.png is a copy of one, for the README). */
  private static void screenshot(WebDriver browser, String name) throws IOException {
    Path dir = Path.of("target", "screenshots");
    Files.createDirectories(dir);
    byte[] png = ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES);
    Files.write(dir.resolve(name), png);
  }
}
