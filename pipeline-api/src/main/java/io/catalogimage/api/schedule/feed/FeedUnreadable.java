package io.catalogimage.api.schedule.feed;

/** The feed as a whole cannot be read in its format (no header, malformed XML, not UTF-8, ...). */
public final class FeedUnreadable extends RuntimeException {

  private final Long line;

  public FeedUnreadable(Long line, String message) {
    super(message);
    this.line = line;
  }

  /** Where, when known. */
  public Long line() {
    return line;
  }
}
