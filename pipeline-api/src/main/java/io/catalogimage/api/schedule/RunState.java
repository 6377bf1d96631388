package io.catalogimage.api.schedule;

import java.util.List;

/**
 * Where a scheduled run stands. Open: QUEUED (behind an open run, overlap queue-one), FETCHING
 * (reading the feed, retried with backoff), HELD (the feed lost most of the catalog: waiting for
 * confirm or reject), GENERATING (its batch is running). Ended: COMPLETED, FETCH_FAILED, REJECTED
 * (bad rows with badRows=reject, an unreadable feed, or a hold rejected), SKIPPED (overlap), MISSED
 * (fired too late for its deadline, or superseded after an outage).
 */
enum RunState {
  QUEUED,
  FETCHING,
  HELD,
  GENERATING,
  COMPLETED,
  FETCH_FAILED,
  REJECTED,
  SKIPPED,
  MISSED;

  static final List<String> OPEN = List.of("QUEUED", "FETCHING", "HELD", "GENERATING");
}
