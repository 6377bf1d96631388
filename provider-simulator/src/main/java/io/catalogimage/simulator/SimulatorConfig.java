package io.catalogimage.simulator;

import io.catalogimage.simulator.config.AliasMode;
import io.catalogimage.simulator.config.BatchSettings;
import io.catalogimage.simulator.config.FaultSettings;
import io.catalogimage.simulator.config.GeminiSettings;
import io.catalogimage.simulator.config.ImageSettings;
import io.catalogimage.simulator.config.LatencyDistribution;
import io.catalogimage.simulator.config.LatencySettings;
import io.catalogimage.simulator.config.PeakProfile;
import io.catalogimage.simulator.config.PeakSettings;
import io.catalogimage.simulator.config.PeakWindow;
import io.catalogimage.simulator.config.QuotaLimits;
import io.catalogimage.simulator.config.QuotaSettings;
import io.catalogimage.simulator.config.QuotaShape;
import io.catalogimage.simulator.config.ServerSettings;
import io.catalogimage.simulator.fault.FaultKind;
import java.time.Duration;
import java.time.ZoneId;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything the simulator can be told, as one immutable value. Start from {@link #defaults()} and
 * derive with the {@code withX} methods; {@link ProviderSimulator#reconfigure} swaps a whole value
 * atomically. The YAML form (standalone use) is described in docs/simulator.md.
 *
 * @param port TCP port; 0 = a random free port
 * @param seed seed of every random draw (faults, latency): same seed + same prompts = same outcomes
 * @param timeScale multiplies every simulated latency: 1.0 real time, 0.001 fast tests, 0 none
 * @param apiKeys API key -> project; both protocols accept every key, quotas are per project
 * @param gemini Gemini wire choices: alias mode, lenient imageSize, downgrade model
 * @param quotas per project x model quotas
 * @param peak the peak calendar
 * @param latency latency distributions
 * @param faults off-peak fault rates and trigger words
 * @param server threads and binding
 * @param batch the Batch APIs: turnaround distribution, per-line failures, expiry windows
 * @param images image sizes: small gradients (embedded default) or real-size payloads
 */
public record SimulatorConfig(
    int port,
    long seed,
    double timeScale,
    Map<String, String> apiKeys,
    GeminiSettings gemini,
    QuotaSettings quotas,
    PeakSettings peak,
    LatencySettings latency,
    FaultSettings faults,
    ServerSettings server,
    BatchSettings batch,
    ImageSettings images) {

  public static final String DEFAULT_KEY = "sim-key";
  public static final String DEFAULT_PROJECT = "default";

  public SimulatorConfig {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be in 0..65535: " + port);
    }
    if (!(timeScale >= 0) || Double.isInfinite(timeScale)) {
      throw new IllegalArgumentException("timeScale must be a finite number >= 0: " + timeScale);
    }
    if (apiKeys == null || apiKeys.isEmpty()) {
      throw new IllegalArgumentException("at least one API key is required");
    }
    apiKeys.forEach(
        (k, p) -> {
          if (k == null || k.isBlank() || p == null || p.isBlank()) {
            throw new IllegalArgumentException("API keys and projects must be non-blank");
          }
        });
    apiKeys = Collections.unmodifiableMap(new LinkedHashMap<>(apiKeys));
    if (gemini == null
        || quotas == null
        || peak == null
        || latency == null
        || faults == null
        || server == null
        || batch == null
        || images == null) {
      throw new IllegalArgumentException("every config section is required");
    }
  }

  /** The API keys it accepts are secrets like a provider's: their projects, never the keys. */
  @Override
  public String toString() {
    return "SimulatorConfig[port="
        + port
        + ", seed="
        + seed
        + ", timeScale="
        + timeScale
        + ", apiKeys=<"
        + apiKeys.size()
        + " redacted, projects "
        + new java.util.TreeSet<>(apiKeys.values())
        + ">, gemini="
        + gemini
        + ", quotas="
        + quotas
        + ", peak="
        + peak
        + ", latency="
        + latency
        + ", faults="
        + faults
        + ", server="
        + server
        + ", batch="
        + batch
        + ", images="
        + images
        + "]";
  }

  /** Key {@code sim-key} of project {@code default}, generous quotas, peak as in the reports. */
  public static SimulatorConfig defaults() {
    return new SimulatorConfig(
        0,
        42L,
        1.0,
        Map.of(DEFAULT_KEY, DEFAULT_PROJECT),
        GeminiSettings.standard(),
        QuotaSettings.standard(),
        PeakSettings.standard(),
        LatencySettings.standard(),
        FaultSettings.standard(),
        ServerSettings.standard(),
        BatchSettings.standard(),
        ImageSettings.small());
  }

  public SimulatorConfig withPort(int newPort) {
    return new SimulatorConfig(
        newPort, seed, timeScale, apiKeys, gemini, quotas, peak, latency, faults, server, batch,
        images);
  }

  public SimulatorConfig withSeed(long newSeed) {
    return new SimulatorConfig(
        port, newSeed, timeScale, apiKeys, gemini, quotas, peak, latency, faults, server, batch,
        images);
  }

  public SimulatorConfig withTimeScale(double newTimeScale) {
    return new SimulatorConfig(
        port,
        seed,
        newTimeScale,
        apiKeys,
        gemini,
        quotas,
        peak,
        latency,
        faults,
        server,
        batch,
        images);
  }

  /** Replaces all keys: key -> project. */
  public SimulatorConfig withKeys(Map<String, String> keyToProject) {
    return new SimulatorConfig(
        port,
        seed,
        timeScale,
        keyToProject,
        gemini,
        quotas,
        peak,
        latency,
        faults,
        server,
        batch,
        images);
  }

  /** Adds (or moves) one key to a project; several keys may share a project. */
  public SimulatorConfig withKey(String key, String project) {
    Map<String, String> copy = new LinkedHashMap<>(apiKeys);
    copy.put(key, project);
    return withKeys(copy);
  }

  public SimulatorConfig withGemini(GeminiSettings newGemini) {
    return new SimulatorConfig(
        port, seed, timeScale, apiKeys, newGemini, quotas, peak, latency, faults, server, batch,
        images);
  }

  /** How echoed thought signatures are checked (STRICT: a missing or altered one is a 400). */
  public SimulatorConfig withSignatures(io.catalogimage.simulator.config.SignatureMode mode) {
    return withGemini(gemini.withSignatures(mode));
  }

  public SimulatorConfig withAliasMode(AliasMode mode) {
    return withGemini(gemini.withAliasMode(mode));
  }

  public SimulatorConfig withLenientImageSize(boolean lenient) {
    return withGemini(gemini.withLenientImageSize(lenient));
  }

  public SimulatorConfig withDowngradeModel(String model) {
    return withGemini(gemini.withDowngradeModel(model));
  }

  public SimulatorConfig withImageSafetyNullParts(boolean nullParts) {
    return withGemini(gemini.withImageSafetyNullParts(nullParts));
  }

  public SimulatorConfig withQuotas(QuotaSettings newQuotas) {
    return new SimulatorConfig(
        port, seed, timeScale, apiKeys, gemini, newQuotas, peak, latency, faults, server, batch,
        images);
  }

  /** Quota of {@code project} on {@code model} ({@code "*"} for either = any). 0 = "limit: 0". */
  public SimulatorConfig withQuota(String project, String model, long rpm, long ipm, long rpd) {
    return withQuotas(quotas.with(project, model, new QuotaLimits(rpm, ipm, rpd)));
  }

  /**
   * A hidden per-minute quota for {@code model} that moves in this shape (every project); null
   * removes it.
   */
  public SimulatorConfig withQuotaShape(String model, QuotaShape shape) {
    return withQuotas(quotas.withShape(model, shape));
  }

  /** Quota of every project x model that has no specific entry. */
  public SimulatorConfig withDefaultQuota(long rpm, long ipm, long rpd) {
    return withQuotas(quotas.withDefaults(new QuotaLimits(rpm, ipm, rpd)));
  }

  public SimulatorConfig withFaults(FaultSettings newFaults) {
    return new SimulatorConfig(
        port, seed, timeScale, apiKeys, gemini, quotas, peak, latency, newFaults, server, batch,
        images);
  }

  /** Off-peak probability of {@code kind} on every model. */
  public SimulatorConfig withFaultRate(FaultKind kind, double rate) {
    return withFaults(faults.withRate(kind, rate));
  }

  /** Off-peak probability of {@code kind} on one model (replaces the global rate there). */
  public SimulatorConfig withFaultRate(String model, FaultKind kind, double rate) {
    return withFaults(faults.withRate(model, kind, rate));
  }

  /** How long a HANG holds its connection before closing it unanswered (default 10m). */
  public SimulatorConfig withHangFor(Duration hang) {
    return withFaults(faults.withHangFor(hang));
  }

  /** Gemini per-minute 429s also carry their delay in a {@code Retry-After} header. */
  public SimulatorConfig withRetryAfterHeader(boolean header) {
    return withGemini(gemini.withRetryAfterHeader(header));
  }

  public SimulatorConfig withTriggers(boolean honoured) {
    return withFaults(faults.withTriggers(honoured));
  }

  public SimulatorConfig withPeak(PeakSettings newPeak) {
    return new SimulatorConfig(
        port, seed, timeScale, apiKeys, gemini, quotas, newPeak, latency, faults, server, batch,
        images);
  }

  /** Peak windows (e.g. {@code "10:00-14:00"}) in {@code zone}; profiles unchanged. */
  public SimulatorConfig withPeak(ZoneId zone, String... windows) {
    return withPeak(
        peak.withWindows(zone, Arrays.stream(windows).map(PeakWindow::parse).toList())
            .withEnabled(true));
  }

  /** How {@code model} behaves in peak hours. */
  public SimulatorConfig withPeakProfile(String model, PeakProfile profile) {
    return withPeak(peak.withProfile(model, profile));
  }

  /** Never in peak: no peak faults, quota cuts or slowdowns whatever the clock says. */
  public SimulatorConfig withoutPeak() {
    return withPeak(peak.withEnabled(false));
  }

  public SimulatorConfig withLatency(LatencySettings newLatency) {
    return new SimulatorConfig(
        port,
        seed,
        timeScale,
        apiKeys,
        gemini,
        quotas,
        peak,
        newLatency,
        faults,
        server,
        batch,
        images);
  }

  /** Every non-immediate answer takes exactly {@code fixed} x timeScale (null = distributions). */
  public SimulatorConfig withFixedLatency(Duration fixed) {
    return withLatency(latency.withFixed(fixed));
  }

  public SimulatorConfig withModelLatency(
      String model, String sizeKey, Duration median, Duration p95) {
    return withLatency(latency.withModel(model, sizeKey, new LatencyDistribution(median, p95)));
  }

  public SimulatorConfig withServer(ServerSettings newServer) {
    return new SimulatorConfig(
        port, seed, timeScale, apiKeys, gemini, quotas, peak, latency, faults, newServer, batch,
        images);
  }

  public SimulatorConfig withImages(ImageSettings newImages) {
    return new SimulatorConfig(
        port, seed, timeScale, apiKeys, gemini, quotas, peak, latency, faults, server, batch,
        newImages);
  }

  /** Images as large as real models return (see {@link ImageSettings#realistic()}). */
  public SimulatorConfig withRealisticImages() {
    return withImages(ImageSettings.realistic());
  }

  /** Small gradient images of a few KB. */
  public SimulatorConfig withSmallImages() {
    return withImages(ImageSettings.small());
  }

  public SimulatorConfig withHost(String host) {
    return withServer(server.withHost(host));
  }

  /** Projects in the order their first key was declared. */
  public List<String> projects() {
    return apiKeys.values().stream().distinct().toList();
  }

  public SimulatorConfig withBatch(BatchSettings newBatch) {
    return new SimulatorConfig(
        port, seed, timeScale, apiKeys, gemini, quotas, peak, latency, faults, server, newBatch,
        images);
  }
}
