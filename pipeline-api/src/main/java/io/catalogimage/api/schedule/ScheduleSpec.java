package io.catalogimage.api.schedule;

import io.catalogimage.api.intake.FeedIntake;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.Map;

/**
 * A schedule as stored (the {@code spec} column) and shown: everything but the credentials' secret,
 * which is sealed in its own column or named by reference.
 */
record ScheduleSpec(
    String name,
    String cron,
    String dailyAt,
    String timeZone,
    String deadline,
    Source source,
    String format,
    Map<String, String> fieldMapping,
    boolean imageLinkAsReference,
    FeedIntake.Options batch,
    String overlap,
    String badRows,
    double holdWhenLost,
    boolean catchUp) {

  static final String SKIP = "skip";
  static final String QUEUE_ONE = "queue-one";
  static final String REJECT = "reject";

  /**
   * @param credentials how the URL's credentials are kept (never the secret itself), or null
   */
  record Source(String url, String objectKey, Credentials credentials) {}

  /**
   * @param type basic or bearer
   * @param stored "encrypted" (sealed in the database) or "secretRef"
   * @param secretRef the name of the operator's secret, when stored by reference
   * @param username for basic with a secretRef (with a sealed secret it is sealed too); not shown
   */
  record Credentials(String type, String stored, String secretRef, String username) {}

  FireTimes fireTimes() {
    ZoneId zone = ZoneId.of(timeZone);
    LocalTime by = deadline == null ? null : LocalTime.parse(deadline);
    return cron != null
        ? FireTimes.cron(cron, zone, by)
        : FireTimes.daily(LocalTime.parse(dailyAt), zone, by);
  }
}
