package io.catalogimage.api.schedule;

import io.catalogimage.api.dispatch.DispatchDueItems;
import io.catalogimage.api.intake.FeedIntake;
import io.catalogimage.api.problem.FieldProblem;
import io.catalogimage.api.problem.InvalidSubmission;
import io.catalogimage.api.schedule.feed.FeedFormat;
import io.catalogimage.api.schedule.feed.FeedRows;
import io.catalogimage.api.schedule.feed.FeedUnreadable;
import io.catalogimage.common.batch.GenerationSettings;
import io.catalogimage.common.batch.ReferenceImageSource;
import io.catalogimage.common.batch.VariantSpec;
import io.catalogimage.common.id.BatchId;
import io.catalogimage.common.id.Uuids;
import io.catalogimage.common.json.Json;
import io.catalogimage.common.storage.ObjectKeys;
import io.catalogimage.common.storage.ObjectStore;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.JsonNode;

/**
 * A run's work, run by db-scheduler (one api instance per run; taken over by another if this one
 * dies): fetch the feed, read it row by row through the intake's checks, diff each product and
 * variant against the catalog's last state, and store the changed ones as the run's batch in one
 * transaction (or hold the run, or reject it). A feed that cannot be fetched is tried again with
 * backoff until the deadline leaves no room; then the run ends FETCH_FAILED.
 */
@Component
class WorkRuns {

  private static final Logger log = LoggerFactory.getLogger(WorkRuns.class);

  /** The default lane of scheduled runs (issue 16 will make its batch-API lane the default). */
  static final String DEFAULT_LANE = "scheduled";

  /** What became of one attempt: done, or try again at {@code retryAt}. */
  record Attempt(Instant retryAt) {
    static final Attempt DONE = new Attempt(null);
  }

  private final RunRepository runs;
  private final ScheduleRepository schedules;
  private final CatalogRepository catalog;
  private final Runs runControl;
  private final ScheduleEvents events;
  private final FeedIntake intake;
  private final FeedFetcher fetcher;
  private final FeedSecrets secrets;
  private final ObjectStore store;
  private final DispatchDueItems dispatcher;
  private final TransactionTemplate tx;
  private final Clock clock;
  private final ScheduleProperties props;

  WorkRuns(
      RunRepository runs,
      ScheduleRepository schedules,
      CatalogRepository catalog,
      Runs runControl,
      ScheduleEvents events,
      FeedIntake intake,
      FeedFetcher fetcher,
      FeedSecrets secrets,
      ObjectStore store,
      DispatchDueItems dispatcher,
      TransactionTemplate tx,
      Clock clock,
      ScheduleProperties props) {
    this.runs = runs;
    this.schedules = schedules;
    this.catalog = catalog;
    this.runControl = runControl;
    this.events = events;
    this.intake = intake;
    this.fetcher = fetcher;
    this.secrets = secrets;
    this.store = store;
    this.dispatcher = dispatcher;
    this.tx = tx;
    this.clock = clock;
    this.props = props;
  }

  /** One attempt at the run. */
  Attempt work(UUID runId) {
    Optional<RunRepository.Run> found = runs.find(runId);
    if (found.isEmpty() || found.get().state() != RunState.FETCHING) {
      return Attempt.DONE;
    }
    RunRepository.Run run = found.get();
    Optional<ScheduleRepository.Stored> schedule = schedules.find(run.schedule());
    if (schedule.isEmpty()) {
      return Attempt.DONE;
    }
    Instant now = clock.instant();
    try {
      process(run, schedule.get(), now);
      return Attempt.DONE;
    } catch (FeedFetcher.FetchFailed failed) {
      return fetchFailed(run, failed, now);
    }
  }

  private Attempt fetchFailed(RunRepository.Run run, FeedFetcher.FetchFailed failed, Instant now) {
    int attempts = run.fetchAttempts() + 1;
    Duration wait = backoff(attempts);
    Instant next = now.plus(wait);
    String reason;
    boolean giveUp;
    if (!failed.retryable()) {
      giveUp = true;
      reason = failed.getMessage();
    } else if (run.deadline() != null) {
      Duration reserve =
          runs.lastGenerationTime(run.schedule())
              .filter(d -> d.compareTo(props.generationReserve()) > 0)
              .orElse(props.generationReserve());
      giveUp = next.plus(reserve).isAfter(run.deadline());
      reason =
          failed.getMessage()
              + (giveUp
                  ? " (attempt "
                      + attempts
                      + "; no time for another before the deadline "
                      + run.deadline()
                      + ", keeping "
                      + reserve.toMinutes()
                      + " min to generate)"
                  : "");
    } else {
      giveUp = attempts >= props.maxFetchAttempts();
      reason = failed.getMessage() + (giveUp ? " (after " + attempts + " attempts)" : "");
    }
    if (giveUp) {
      log.warn("run {}: feed fetch failed for good: {}", run.id(), reason);
      tx.executeWithoutResult(
          s -> {
            runs.countAttempt(run.id(), attempts);
            runControl.fail(run, RunState.FETCHING, RunState.FETCH_FAILED, reason, now);
          });
      return Attempt.DONE;
    }
    log.info(
        "run {}: feed fetch attempt {} failed, next at {}: {}", run.id(), attempts, next, reason);
    runs.retryLater(
        run.id(),
        attempts,
        next,
        "attempt " + attempts + " failed: " + reason + "; next at " + next);
    return new Attempt(next);
  }

  /**
   * Jittered exponential backoff from {@code fetch-retry-base}, at most {@code fetch-retry-max}.
   */
  Duration backoff(int attempts) {
    long base = props.fetchRetryBase().toMillis();
    long capped = Math.min(props.fetchRetryMax().toMillis(), base << Math.min(attempts - 1, 20));
    return Duration.ofMillis(capped / 2 + ThreadLocalRandom.current().nextLong(capped / 2 + 1));
  }

  /** A run ended without a batch: rejected, or held for the merchant. Rolls the diff back. */
  private static final class Stop extends RuntimeException {
    final RunState state;
    final long feedProducts;
    final long badRows;
    final long removedProducts;
    final List<FieldProblem> problems;

    Stop(
        RunState state,
        String reason,
        long feedProducts,
        long badRows,
        long removedProducts,
        List<FieldProblem> problems) {
      super(reason, null, false, false);
      this.state = state;
      this.feedProducts = feedProducts;
      this.badRows = badRows;
      this.removedProducts = removedProducts;
      this.problems = problems;
    }
  }

  private void process(RunRepository.Run run, ScheduleRepository.Stored schedule, Instant now)
      throws FeedFetcher.FetchFailed {
    ScheduleSpec spec = schedule.spec();
    Instant deadline =
        run.deadline() != null && run.deadline().isAfter(now) ? run.deadline() : null;
    FeedIntake.Checked options;
    try {
      options =
          intake.check(
              schedule.tenant(),
              spec.batch()
                  .orDefaults(
                      DEFAULT_LANE,
                      spec.name().substring(0, Math.min(spec.name().length(), 180))
                          + " "
                          + run.due().toString().substring(0, 16)),
              deadline);
    } catch (InvalidSubmission invalid) {
      stop(
          run,
          new Stop(
              RunState.REJECTED,
              "the schedule's batch options are no longer valid: " + invalid.getMessage(),
              0,
              0,
              0,
              List.of()),
          now);
      return;
    }
    FeedFetcher.Credentials credentials = credentials(schedule);
    FeedFetcher.Opened feed =
        fetcher.open(
            schedule.tenant(), spec.source().url(), spec.source().objectKey(), credentials);
    CatalogState state = catalog.load(schedule.id());
    try (InputStream in = feed.stream()) {
      RunRepository.Diffed diffed = tx.execute(s -> diff(run, schedule, options, in, state, now));
      log.info(
          "run {}: {} products read from {}; {} new, {} changed, {} removed; {} items queued",
          run.id(),
          diffed.feedProducts(),
          feed.from(),
          diffed.newProducts(),
          diffed.changedProducts(),
          diffed.removedProducts(),
          diffed.itemsQueued());
      if (diffed.batch() != null) {
        dispatcher.wake();
      }
    } catch (Stop stop) {
      stop(run, stop, now);
    } catch (FeedDownloadFailed e) {
      throw new FeedFetcher.FetchFailed(
          "the download of " + feed.from() + " failed: " + e.getCause().getMessage(),
          !(e.getCause() instanceof FeedFetcher.FeedTooLarge));
    } catch (IOException e) {
      throw new FeedFetcher.FetchFailed("could not read " + feed.from() + ": " + e, true);
    }
  }

  private void stop(RunRepository.Run run, Stop stop, Instant now) {
    tx.executeWithoutResult(
        s -> {
          runs.feedCounts(run.id(), stop.feedProducts, stop.badRows, stop.removedProducts);
          runs.badRows(run.id(), stop.problems);
          if (stop.state == RunState.HELD) {
            if (runs.move(run.id(), RunState.FETCHING, RunState.HELD, stop.getMessage(), now)) {
              events.runHeld(run.schedule(), run.id(), stop.getMessage(), now);
            }
          } else {
            runControl.fail(run, RunState.FETCHING, stop.state, stop.getMessage(), now);
          }
        });
    log.info("run {} {}: {}", run.id(), stop.state, stop.getMessage());
  }

  private FeedFetcher.Credentials credentials(ScheduleRepository.Stored schedule)
      throws FeedFetcher.FetchFailed {
    ScheduleSpec.Credentials c = schedule.spec().source().credentials();
    if (c == null) {
      return null;
    }
    if ("secretRef".equals(c.stored())) {
      String secret =
          secrets
              .resolve(schedule.tenant(), c.secretRef())
              .orElseThrow(
                  () ->
                      new FeedFetcher.FetchFailed(
                          "the secret '"
                              + c.secretRef()
                              + "' the schedule names is not set (ask"
                              + " your operator)",
                          true));
      return new FeedFetcher.Credentials(c.type(), c.username(), secret);
    }
    JsonNode sealed =
        Json.mapper().readTree(secrets.open(schedule.sealedSecret(), schedule.id().toString()));
    return new FeedFetcher.Credentials(
        c.type(), sealed.path("username").asString(null), sealed.path("secret").asString());
  }

  /** A network failure while the feed was being read: the attempt is retried. */
  private static final class FeedDownloadFailed extends RuntimeException {
    FeedDownloadFailed(IOException cause) {
      super(cause);
    }
  }

  /** Reads the whole feed and stores the run's batch; throws {@link Stop} to roll it back. */
  private RunRepository.Diffed diff(
      RunRepository.Run run,
      ScheduleRepository.Stored schedule,
      FeedIntake.Checked options,
      InputStream in,
      CatalogState state,
      Instant now) {
    ScheduleSpec spec = schedule.spec();
    List<VariantSpec> variants = options.spec().variants();
    List<String> variantNames = variants.stream().map(VariantSpec::name).toList();
    MessageDigest sha = CatalogState.sha256();
    byte[][] variantDigests = new byte[variants.size()][];
    for (int i = 0; i < variants.size(); i++) {
      VariantSpec v = variants.get(i);
      List<String> inputs =
          new ArrayList<>(
              Arrays.asList(
                  v.name(),
                  v.aspectRatio(),
                  v.size(),
                  options.tier(),
                  options.spec().styleGuide(),
                  String.join(",", options.spec().altTextLocales())));
      GenerationSettings settings = options.spec().settings();
      if (!settings.noneGiven()) {
        // settings change the image (jpeg for png, another thinking level): a product made with
        // other settings is made again; none given keeps the digests of earlier runs
        inputs.add(settings.toString());
      }
      variantDigests[i] = CatalogState.digest(sha, inputs.toArray(String[]::new));
    }
    FeedIntake.RowChecker checker = intake.rows(options);
    BatchId batch = new BatchId(Uuids.v7());
    FeedIntake.BatchWriter[] writer = {null};
    CatalogRepository.PendingLines pending = new CatalogRepository.PendingLines();
    List<FieldProblem> problems = new ArrayList<>();
    long[] counts = new long[5]; // products, new, changed, unchanged, bad rows
    Map<String, String> etags = new HashMap<>();
    boolean rejectBadRows = ScheduleSpec.REJECT.equals(spec.badRows());
    FeedRows rows =
        new FeedRows() {
          @Override
          public void row(long line, FeedIntake.Row row) {
            FeedIntake.CheckedRow checked = checker.check(line, row);
            if (checked.product() == null) {
              bad(line, row.sku(), checked.problems());
              return;
            }
            if (++counts[0] > props.maxFeedProducts()) {
              throw new Stop(
                  RunState.REJECTED,
                  "the feed has more than "
                      + props.maxFeedProducts()
                      + " products (pipeline.schedules.max-feed-products)",
                  counts[0],
                  counts[4],
                  0,
                  problems);
            }
            FeedIntake.Product product = checked.product();
            byte[] productDigest =
                CatalogState.digest(
                    sha,
                    product.prompt(),
                    reference(product.referenceImage()),
                    fingerprint(schedule, product.referenceImage(), etags));
            int mask = 0;
            int known = 0;
            for (int v = 0; v < variants.size(); v++) {
              long key = CatalogState.key(sha, product.sku(), variantNames.get(v));
              long hash = CatalogState.content(sha, productDigest, variantDigests[v]);
              int at = state.find(key);
              if (at >= 0) {
                state.markSeen(at);
                known++;
                if (state.hash(at) == hash) {
                  continue;
                }
              }
              mask |= 1 << v;
              pending.add(writerOf().products(), v, key, hash);
            }
            if (mask == 0) {
              counts[3]++;
              return;
            }
            counts[known == 0 ? 1 : 2]++;
            writerOf().add(product, mask);
          }

          @Override
          public void unreadable(long line, String sku, String field, String message) {
            bad(line, sku, List.of(new FieldProblem(field, line, message)));
          }

          private void bad(long line, String sku, List<FieldProblem> rowProblems) {
            counts[4]++;
            for (FieldProblem p : rowProblems) {
              if (problems.size() < props.maxReportedRows()) {
                problems.add(p.line() == null ? new FieldProblem(p.field(), line, p.message()) : p);
              }
            }
            if (sku != null) {
              // a bad row keeps its product's images: it is not a removal
              for (String variant : variantNames) {
                int at = state.find(CatalogState.key(sha, sku, variant));
                if (at >= 0) {
                  state.markSeen(at);
                }
              }
            }
          }

          private FeedIntake.BatchWriter writerOf() {
            if (writer[0] == null) {
              writer[0] = intake.open(schedule.tenant(), batch, options, now);
            }
            return writer[0];
          }
        };
    try {
      FeedFormat.byId(spec.format())
          .orElseThrow()
          .read(
              in,
              FeedFormat.byId(spec.format())
                  .orElseThrow()
                  .mapping(spec.fieldMapping(), spec.imageLinkAsReference()),
              rows);
    } catch (FeedUnreadable e) {
      if (writer[0] != null) {
        writer[0].close();
      }
      List<FieldProblem> all = new ArrayList<>(problems);
      all.add(new FieldProblem("feed", e.line(), e.getMessage()));
      throw new Stop(
          RunState.REJECTED,
          "the feed cannot be read: "
              + e.getMessage()
              + (e.line() == null ? "" : " (line " + e.line() + ")"),
          counts[0],
          counts[4],
          0,
          all);
    } catch (IOException e) {
      if (writer[0] != null) {
        writer[0].close();
      }
      throw new FeedDownloadFailed(e);
    } catch (RuntimeException e) {
      if (writer[0] != null) {
        writer[0].close();
      }
      throw e;
    }
    long previousLines = state.linesOf(variantNames);
    long lostLines = state.unseenOf(variantNames);
    long removedProducts = variantNames.isEmpty() ? 0 : lostLines / variantNames.size();
    if (rejectBadRows && counts[4] > 0) {
      closeQuietly(writer[0]);
      throw new Stop(
          RunState.REJECTED,
          counts[4] + " bad rows (badRows: reject); first: " + describe(problems.get(0)),
          counts[0],
          counts[4],
          removedProducts,
          problems);
    }
    if (counts[0] == 0 && previousLines == 0) {
      closeQuietly(writer[0]);
      throw new Stop(
          RunState.REJECTED,
          "the feed has no products" + (counts[4] > 0 ? " (" + counts[4] + " bad rows)" : ""),
          0,
          counts[4],
          0,
          problems);
    }
    double share = previousLines == 0 ? 0 : lostLines / (double) previousLines;
    if (run.confirmedAt() == null && previousLines > 0 && share > spec.holdWhenLost()) {
      closeQuietly(writer[0]);
      throw new Stop(
          RunState.HELD,
          String.format(
              "the feed has %d products, %d of the last catalog's %d lines (%.0f%%) are missing:"
                  + " a broken export? POST .../confirm to remove them, .../reject to drop this"
                  + " run",
              counts[0], lostLines, previousLines, share * 100),
          counts[0],
          counts[4],
          removedProducts,
          problems);
    }
    // the products' COPY ends first: nothing else can run on the connection while it is open
    UUID batchId = null;
    long items = 0;
    Instant eta = null;
    String atRisk = null;
    if (writer[0] != null) {
      try (FeedIntake.BatchWriter w = writer[0]) {
        FeedIntake.Written written = w.finish();
        items = written.items();
        eta = written.plan().eta();
        atRisk = written.plan().atRisk();
      }
      batchId = batch.value();
      catalog.markPending(schedule.id(), run.id(), batchId, pending, variantNames);
    }
    runs.badRows(run.id(), problems);
    long removedLines = catalog.remove(schedule.id(), run.id(), state.unseenKeys());
    long lines = counts[0] * variantNames.size();
    RunRepository.Diffed diffed =
        new RunRepository.Diffed(
            batchId,
            options.lane(),
            counts[0],
            counts[1],
            counts[2],
            counts[3],
            removedProducts,
            counts[4],
            items,
            lines - items,
            removedLines,
            eta,
            atRisk);
    runs.diffed(run.id(), diffed, now);
    return diffed;
  }

  private static void closeQuietly(FeedIntake.BatchWriter writer) {
    if (writer != null) {
      writer.close();
    }
  }

  private static String describe(FieldProblem p) {
    return (p.line() == null ? "" : "line " + p.line() + ", ")
        + (p.field() == null ? "" : p.field() + ": ")
        + p.message();
  }

  private static String reference(ReferenceImageSource ref) {
    return ref == null ? null : ref.url() != null ? "url:" + ref.url() : "key:" + ref.objectKey();
  }

  /**
   * What tells a reference photo's bytes apart without reading them: an object in our bucket by its
   * ETag (so a photo replaced under the same key is a change); a URL by itself (merchants' image
   * CDNs, Shopify's and Google's among them, give a changed image a new URL).
   */
  private String fingerprint(
      ScheduleRepository.Stored schedule, ReferenceImageSource ref, Map<String, String> etags) {
    if (ref == null || ref.objectKey() == null) {
      return null;
    }
    return etags.computeIfAbsent(
        ref.objectKey(),
        key -> store.etag(ObjectKeys.tenantPrefix(schedule.tenant()) + key).orElse("missing"));
  }
}
