package io.catalogimage.simulator.config;

import io.catalogimage.simulator.fault.FaultKind;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The peak calendar: daily windows (in {@code zone}, read from the simulator clock) during which
 * each model gets its {@link PeakProfile}. Defaults follow the field reports: 10:00-14:00 UTC, Nano
 * Banana 2 (3.1 Flash) quotas halved, latency doubled and ~15% extra failures; Pro quotas x 0.8,
 * latency x 1.2 and ~4% extra failures.
 */
public record PeakSettings(
    boolean enabled,
    ZoneId zone,
    List<PeakWindow> windows,
    PeakProfile defaults,
    Map<String, PeakProfile> models) {

  public PeakSettings {
    if (zone == null || defaults == null) {
      throw new IllegalArgumentException("peak.zone and peak.defaults are required");
    }
    windows = windows == null ? List.of() : List.copyOf(windows);
    models = Maps.copy(models);
  }

  public static PeakSettings standard() {
    Map<String, PeakProfile> models = new LinkedHashMap<>();
    models.put(
        "gemini-3.1-flash-image",
        new PeakProfile(
            0.5,
            0.5,
            2.0,
            ordered(
                FaultKind.HTTP_503, 0.05,
                FaultKind.RATE_LIMITED, 0.04,
                FaultKind.HTTP_504, 0.03,
                FaultKind.IMAGE_SAFETY, 0.03)));
    models.put(
        "gemini-3-pro-image",
        new PeakProfile(
            0.8,
            0.8,
            1.2,
            ordered(
                FaultKind.HTTP_503, 0.015,
                FaultKind.RATE_LIMITED, 0.01,
                FaultKind.HTTP_504, 0.005,
                FaultKind.IMAGE_SAFETY, 0.01)));
    return new PeakSettings(
        true,
        ZoneId.of("UTC"),
        List.of(new PeakWindow(LocalTime.of(10, 0), LocalTime.of(14, 0))),
        PeakProfile.NEUTRAL,
        models);
  }

  /** Never in peak. */
  public static PeakSettings none() {
    return new PeakSettings(false, ZoneId.of("UTC"), List.of(), PeakProfile.NEUTRAL, Map.of());
  }

  public boolean inPeak(Instant now) {
    if (!enabled || windows.isEmpty()) {
      return false;
    }
    LocalTime local = now.atZone(zone).toLocalTime();
    return windows.stream().anyMatch(w -> w.contains(local));
  }

  public PeakProfile profileFor(String model) {
    return models.getOrDefault(model, defaults);
  }

  public PeakSettings withEnabled(boolean on) {
    return new PeakSettings(on, zone, windows, defaults, models);
  }

  public PeakSettings withWindows(ZoneId newZone, List<PeakWindow> newWindows) {
    return new PeakSettings(enabled, newZone, newWindows, defaults, models);
  }

  public PeakSettings withProfile(String model, PeakProfile profile) {
    Map<String, PeakProfile> copy = new LinkedHashMap<>(models);
    copy.put(model, profile);
    return new PeakSettings(enabled, zone, windows, defaults, copy);
  }

  private static Map<FaultKind, Double> ordered(Object... pairs) {
    Map<FaultKind, Double> map = new LinkedHashMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      map.put((FaultKind) pairs[i], (Double) pairs[i + 1]);
    }
    return map;
  }
}
