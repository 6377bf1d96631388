package io.catalogimage.cli;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import tools.jackson.databind.JsonNode;

/**
 * {@code watch <batch>}: a live progress line until the batch finishes. On a terminal the line is
 * redrawn in place; otherwise (a log, a CI job) a plain line is printed when something changed, and
 * at least once a minute.
 */
final class Watch {

  private static final Duration HEARTBEAT = Duration.ofMinutes(1);

  private final Api api;
  private final PrintStream out;
  private final PrintStream err;
  private final boolean tty;
  private final Duration interval;
  private final Duration timeout;
  private final Duration giveUpAfter;

  /**
   * @param timeout stop watching after this long (exit 7); null: until the batch finishes
   * @param giveUpAfter how long the api may be unreachable before the watch gives up (exit 6)
   */
  Watch(
      Api api,
      PrintStream out,
      PrintStream err,
      boolean tty,
      Duration interval,
      Duration timeout,
      Duration giveUpAfter) {
    this.api = api;
    this.out = out;
    this.err = err;
    this.tty = tty;
    this.interval = interval;
    this.timeout = timeout;
    this.giveUpAfter = giveUpAfter;
  }

  /** Follows the batch to its end, prints its report; the exit status says how it ended. */
  int run(String batchId) throws InterruptedException {
    Instant started = Instant.now();
    JsonNode batch = follow(batchId, started);
    if (!BatchReport.finished(batch)) {
      out.println(
          "Still running after "
              + Texts.duration(timeout)
              + ": pipeline watch "
              + batchId
              + " to go on following it");
      return ExitCode.NOT_FINISHED;
    }
    BatchReport report = new BatchReport(api, out);
    out.println();
    report.print(batch);
    report.printFailures(batch);
    return BatchReport.exitCode(batch);
  }

  /** Polls until the batch is COMPLETED or the timeout passes; returns the last answer. */
  JsonNode follow(String batchId, Instant started) throws InterruptedException {
    ProgressLine progress = new ProgressLine();
    String last = null;
    Instant lastPrinted = Instant.MIN;
    Instant unreachableSince = null;
    JsonNode batch = null;
    while (true) {
      Instant now = Instant.now();
      try {
        batch = api.get("/v1/batches/" + batchId);
        unreachableSince = null;
      } catch (CliFailure e) {
        boolean transientFailure =
            e instanceof Api.Unreachable || (e instanceof Api.Refused r && r.status() >= 500);
        if (!transientFailure) {
          endLine();
          throw e;
        }
        unreachableSince = unreachableSince == null ? now : unreachableSince;
        if (Duration.between(unreachableSince, now).compareTo(giveUpAfter) > 0) {
          endLine();
          throw e;
        }
        err.println(
            (tty ? "\r" : "") + "api not answering (" + firstLine(e) + "); trying again...");
      }
      if (batch != null) {
        String line = progress.render(batch, now, tty);
        String elapsed = "[" + Texts.duration(Duration.between(started, now)) + "] ";
        if (tty) {
          out.print("\r" + elapsed + line + "\033[K");
          out.flush();
        } else if (!line.equals(last)
            || Duration.between(lastPrinted, now).compareTo(HEARTBEAT) >= 0) {
          out.println(elapsed + line);
          lastPrinted = now;
        }
        last = line;
        if (BatchReport.finished(batch)) {
          endLine();
          return batch;
        }
      }
      if (timeout != null && Duration.between(started, now).compareTo(timeout) >= 0) {
        endLine();
        if (batch == null) {
          throw new CliFailure(ExitCode.UNAVAILABLE, "the api never answered");
        }
        return batch;
      }
      Thread.sleep(interval.toMillis());
    }
  }

  private void endLine() {
    if (tty) {
      out.println();
    }
  }

  private static String firstLine(Exception e) {
    String m = String.valueOf(e.getMessage());
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }
}
