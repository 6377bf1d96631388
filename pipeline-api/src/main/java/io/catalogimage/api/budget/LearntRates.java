package io.catalogimage.api.budget;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.catalogimage.common.budget.BudgetProperties;
import io.catalogimage.common.budget.ModelBudget;
import io.catalogimage.common.calendar.PeakCalendar;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.TreeMap;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * The rates the workers' budgets have learnt (the rate a provider really grants, which may be lower
 * than configured), as the api plans with and shows them: the rate in use now per model and
 * provider account (from the shared budget rows) and the rate learnt per hour of the day (UTC)
 * across days. Read at most every {@value #REFRESH_SECONDS} s; the configured rate is always the
 * ceiling.
 */
@Component
public class LearntRates {

  private static final long REFRESH_SECONDS = 10;

  /** A budget row not touched for this long says nothing about now (no worker is calling). */
  private static final Duration FRESH = Duration.ofMinutes(10);

  /** Minutes of earlier days an hour needs before its learnt rate is used. */
  private static final int MIN_MINUTES = 30;

  private static final String NOW =
      """
      SELECT budget_key, learnt_rpm, limit_rpm, updated_at FROM budget_state
       WHERE learnt_rpm > 0
      """;

  private static final String BY_HOUR =
      "SELECT endpoint, model, hour, rpm, minutes FROM learnt_rates WHERE minutes >= :min";

  /**
   * What is known of one model on one provider account.
   *
   * @param configuredRpm the configured rate (the ceiling) outside peak windows
   * @param configuredPeakRpm the configured rate inside peak windows, when set
   * @param learntRpm the rate the budget plans for now (just below the measured limit), when a
   *     worker has been calling lately
   * @param measuredLimitRpm the provider's per-minute limit as last measured, when one was found
   *     below the configured rate
   * @param learntAt when the budget last changed
   * @param learntByHourUtc the rate learnt per hour of the day (UTC) on earlier days
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record ModelRate(
      String model,
      String endpoint,
      Integer configuredRpm,
      Integer configuredPeakRpm,
      Double learntRpm,
      Double measuredLimitRpm,
      Instant learntAt,
      Map<Integer, Double> learntByHourUtc) {}

  private record Live(String endpoint, double learnt, double limit, Instant at) {}

  private record Snapshot(
      Instant readAt,
      Map<String, List<Live>> live,
      Map<String, Map<String, Map<Integer, Double>>> byHour) {}

  private final JdbcClient jdbc;
  private final BudgetProperties budgets;
  private final PeakCalendar peak;
  private final Clock clock;
  private volatile Snapshot snapshot;

  LearntRates(JdbcClient jdbc, BudgetProperties budgets, PeakCalendar peak, Clock clock) {
    this.jdbc = jdbc;
    this.budgets = budgets;
    this.peak = peak;
    this.clock = clock;
  }

  /** Everything known of these models, one entry per model and provider account. */
  public List<ModelRate> of(Collection<String> models) {
    Snapshot s = snapshot();
    Instant now = clock.instant();
    List<ModelRate> out = new ArrayList<>();
    for (String model : models) {
      ModelBudget budget = budgets.forModel(model);
      Map<String, Live> live = new TreeMap<>();
      for (Live l : s.live().getOrDefault(model, List.of())) {
        live.put(l.endpoint(), l);
      }
      Map<String, Map<Integer, Double>> hours = s.byHour().getOrDefault(model, Map.of());
      List<String> endpoints = new ArrayList<>(live.keySet());
      hours.keySet().stream().filter(e -> !live.containsKey(e)).sorted().forEach(endpoints::add);
      if (endpoints.isEmpty() && budget.requestsPerMinute() != null) {
        out.add(
            new ModelRate(
                model,
                null,
                budget.requestsPerMinute(),
                budget.peakRequestsPerMinute(),
                null,
                null,
                null,
                null));
      }
      for (String endpoint : endpoints) {
        Live l = live.get(endpoint);
        boolean fresh = l != null && l.at().isAfter(now.minus(FRESH));
        Map<Integer, Double> h = hours.get(endpoint);
        out.add(
            new ModelRate(
                model,
                endpoint,
                budget.requestsPerMinute(),
                budget.peakRequestsPerMinute(),
                fresh ? round(l.learnt()) : null,
                fresh && l.limit() > 0 ? round(l.limit()) : null,
                l == null ? null : l.at(),
                h == null || h.isEmpty() ? null : h));
      }
    }
    return out;
  }

  /**
   * The rate {@code model} can be planned with at {@code at}: within the next hour the rate in use
   * now (when a worker is calling), later the rate learnt for that hour of the day on earlier days,
   * else the rate in use now; each capped by the configured rate at that moment; empty when no rate
   * is configured. Of several provider accounts, the one a worker used last.
   */
  public OptionalDouble plannedRpm(String model, Instant at) {
    ModelBudget budget = budgets.forModel(model);
    Integer configured = budget.rateAt(peak.isPeak(at));
    if (configured == null) {
      return OptionalDouble.empty();
    }
    Snapshot s = snapshot();
    Optional<Live> live =
        s.live().getOrDefault(model, List.of()).stream()
            .filter(l -> l.at().isAfter(clock.instant().minus(FRESH)))
            .max(Comparator.comparing(Live::at));
    Map<String, Map<Integer, Double>> hours = s.byHour().getOrDefault(model, Map.of());
    Map<Integer, Double> h =
        live.map(l -> hours.get(l.endpoint()))
            .orElse(hours.isEmpty() ? null : hours.values().iterator().next());
    boolean soon = at.isBefore(clock.instant().plus(Duration.ofHours(1)));
    Double learnt = live.isPresent() && soon ? live.get().learnt() : null;
    if (learnt == null && h != null) {
      learnt = h.get(at.atZone(ZoneOffset.UTC).getHour());
    }
    if (learnt == null && live.isPresent()) {
      learnt = live.get().learnt();
    }
    return OptionalDouble.of(learnt == null ? configured : Math.min(configured, learnt));
  }

  /**
   * Hours of the day (UTC) in which some model's learnt rate is below {@code share} of its best
   * learnt hour: the provider's peak hours as seen on earlier days.
   */
  public boolean[] lowHours(double share) {
    boolean[] low = new boolean[24];
    snapshot()
        .byHour()
        .forEach(
            (model, byEndpoint) ->
                byEndpoint.forEach(
                    (endpoint, hours) -> {
                      double best =
                          hours.values().stream().mapToDouble(Double::doubleValue).max().orElse(0);
                      hours.forEach(
                          (hour, rpm) -> {
                            if (rpm < share * best) {
                              low[hour] = true;
                            }
                          });
                    }));
    return low;
  }

  private Snapshot snapshot() {
    Snapshot s = snapshot;
    Instant now = clock.instant();
    if (s == null
        || now.isBefore(s.readAt())
        || now.isAfter(s.readAt().plusSeconds(REFRESH_SECONDS))) {
      s = read(now);
      snapshot = s;
    }
    return s;
  }

  private Snapshot read(Instant now) {
    Map<String, List<Live>> live = new HashMap<>();
    jdbc.sql(NOW)
        .query(
            (ResultSet rs) -> {
              String key = rs.getString("budget_key");
              int slash = key.indexOf('/');
              if (slash < 0) {
                return;
              }
              Timestamp at = rs.getTimestamp("updated_at");
              live.computeIfAbsent(key.substring(slash + 1), k -> new ArrayList<>())
                  .add(
                      new Live(
                          key.substring(0, slash),
                          rs.getDouble("learnt_rpm"),
                          rs.getDouble("limit_rpm"),
                          at == null ? Instant.EPOCH : at.toInstant()));
            });
    Map<String, Map<String, Map<Integer, Double>>> byHour = new HashMap<>();
    jdbc.sql(BY_HOUR)
        .param("min", MIN_MINUTES)
        .query(
            (ResultSet rs) -> {
              byHour
                  .computeIfAbsent(rs.getString("model"), k -> new LinkedHashMap<>())
                  .computeIfAbsent(rs.getString("endpoint"), k -> new TreeMap<>())
                  .put(rs.getInt("hour"), round(rs.getDouble("rpm")));
            });
    return new Snapshot(now, live, byHour);
  }

  private static double round(double rpm) {
    return Math.round(rpm * 10) / 10.0;
  }
}
