package io.catalogimage.api.budget;

import io.catalogimage.common.calendar.PeakCalendar;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import org.springframework.stereotype.Component;

/**
 * The peak windows the api plans and defers by: the configured calendar, and (with {@code
 * pipeline.peak.learnt}) the hours of the day in which the providers granted markedly less on
 * earlier days than in their best hour, as the workers' budgets learnt it. So tomorrow's peak is
 * planned for even where nobody configured it.
 */
@Component
public class PeakHours {

  private final PeakCalendar calendar;
  private final LearntRates rates;

  public PeakHours(PeakCalendar calendar, LearntRates rates) {
    this.calendar = calendar;
    this.rates = rates;
  }

  public boolean isPeak(Instant at) {
    return currentWindowEnd(at).isPresent();
  }

  /** When the peak containing {@code at} ends (configured or learnt); empty outside peak. */
  public Optional<Instant> currentWindowEnd(Instant at) {
    Optional<Instant> configured = calendar.currentWindowEnd(at);
    if (!calendar.enabled() || !calendar.learnt()) {
      return configured;
    }
    boolean[] low = rates.lowHours(calendar.learntBelow());
    ZonedDateTime hour = at.atZone(ZoneOffset.UTC).truncatedTo(ChronoUnit.HOURS);
    if (!low[hour.getHour()]) {
      return configured;
    }
    ZonedDateTime end = hour.plusHours(1);
    for (int i = 0; i < 23 && low[end.getHour()]; i++) {
      end = end.plusHours(1);
    }
    Instant learntEnd = end.toInstant();
    return Optional.of(configured.filter(c -> c.isAfter(learntEnd)).orElse(learntEnd));
  }

  /** Whether work of this lane waits out peak windows. */
  public boolean defers(String lane) {
    return calendar.defers(lane);
  }
}
