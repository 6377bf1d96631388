package io.catalogimage.api.schedule.feed;

import io.catalogimage.api.intake.FeedIntake;

/** Receives a feed's products as they are read, each with the line it starts on. */
public interface FeedRows {

  void row(long line, FeedIntake.Row row);

  /** A row that could not be read as a product at all (its SKU when known, else null). */
  void unreadable(long line, String sku, String field, String message);
}
