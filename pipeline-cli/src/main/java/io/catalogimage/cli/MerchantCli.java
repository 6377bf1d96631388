package io.catalogimage.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The merchant's command-line client: {@code submit}, {@code watch}, {@code results}, {@code
 * status}, {@code retry}, {@code cancel}. Runs as {@code ./pipeline <command>} from the repository
 * or as {@code java -jar pipeline-cli.jar <command>} anywhere; talks to the api only. Its exit
 * status is one of {@link ExitCode}.
 */
public final class MerchantCli {

  /** The commands this client answers to. */
  public static final Set<String> COMMANDS =
      Set.of("submit", "watch", "results", "status", "retry", "cancel");

  static final String USAGE =
      """
      usage: pipeline <command> [options]   (or: java -jar pipeline-cli.jar <command> [options])
      Merchant commands (the api at PIPELINE_URL with the key in PIPELINE_API_KEY):
        submit FILE    upload a catalog (.csv, .ndjson/.jsonl, .json) as a batch
                       --variant name:ratio:size (repeat) | --preset NAME, --tier fast|quality,
                       --locales en,de, --template '...{{title}}...', --style-guide TEXT,
                       --lane bulk|interactive|scheduled|batch|cost-priority, --deadline 2026-12-06T06:00:00Z|8h,
                       --start-after INSTANT|2h, --cost-cap USD, --allow-safety-reroute,
                       --callback-url URL, --name NAME (default: the file's name),
                       --idempotency-key KEY (default: a new one), --format csv|ndjson|json,
                       --watch (then follow it), --quiet (print the batch id only), --json
        watch BATCH    live progress (counts by state, cost, ETA) until it finishes
                       --interval 2s, --timeout 2h
        results BATCH  download manifest.jsonl, images and sidecars: --out DIR (default ./results),
                       --concurrency 8, --wait (until the batch finishes first)
        status BATCH   where it stands (--json: the api's answer)
        retry BATCH    run FAILED, BLOCKED and CANCELLED items again: --states FAILED,BLOCKED,
                       --tier TIER, --watch
        cancel BATCH   stop it: waiting items end CANCELLED, calls in flight finish
      Every command: --url URL (default $PIPELINE_URL, else .local/api-url, else
      http://localhost:8080), --api-key KEY (default $PIPELINE_API_KEY, else .local/api-key).
      Exit status: 0 done (every item succeeded), 2 usage, 3 finished with failed items,
      4 refused by the api (4xx, e.g. an invalid catalog) or a bad file, 5 authentication,
      6 api unreachable or failing (5xx), 7 not finished (watch --timeout, results of a running
      batch), 130 interrupted.
      """;

  /** Two lines for the {@code ./pipeline} help. */
  public static final String USAGE_SUMMARY =
      """
        submit, watch, results, status, retry, cancel: the merchant's client of a running api
               (./pipeline submit --help for their options and exit codes)
      """;

  private static final Set<String> COMMON = Set.of("--url", "--api-key");

  private final PrintStream out;
  private final PrintStream err;
  private final Map<String, String> env;
  private final Path workDir;
  private final boolean tty;

  /**
   * @param env the environment (PIPELINE_URL, PIPELINE_API_KEY)
   * @param workDir where {@code .local/api-key} and {@code .local/api-url} are looked for
   * @param tty whether stdout is a terminal (a live line) or not (plain lines)
   */
  public MerchantCli(
      PrintStream out, PrintStream err, Map<String, String> env, Path workDir, boolean tty) {
    this.out = out;
    this.err = err;
    this.env = env;
    this.workDir = workDir;
    this.tty = tty;
  }

  public static void main(String[] args) {
    boolean tty = System.console() != null && !"dumb".equals(System.getenv("TERM"));
    int status =
        new MerchantCli(System.out, System.err, System.getenv(), Path.of(""), tty).run(args);
    System.exit(status);
  }

  /** Runs one command; returns the exit status. */
  public int run(String... argv) {
    if (argv.length == 0 || List.of("help", "--help", "-h").contains(argv[0])) {
      out.print(USAGE);
      return argv.length == 0 ? ExitCode.USAGE : ExitCode.OK;
    }
    String command = argv[0];
    List<String> rest = Arrays.asList(argv).subList(1, argv.length);
    if (rest.contains("--help") || rest.contains("-h")) {
      out.print(USAGE);
      return ExitCode.OK;
    }
    try {
      return switch (command) {
        case "submit" -> submit(parse(rest, Submit.VALUED, Submit.FLAGS));
        case "watch" -> watch(parse(rest, Set.of("--interval", "--timeout"), Set.of()));
        case "results" ->
            results(parse(rest, Set.of("--out", "--concurrency", "--interval"), Set.of("--wait")));
        case "status" -> status(parse(rest, Set.of(), Set.of("--json")));
        case "retry" ->
            retry(
                parse(
                    rest,
                    Set.of("--tier", "--states", "--interval", "--timeout"),
                    Set.of("--watch")));
        case "cancel" -> cancel(parse(rest, Set.of(), Set.of()));
        default -> throw new CliFailure(ExitCode.USAGE, "unknown command " + command);
      };
    } catch (CliFailure e) {
      err.println("error: " + e.getMessage());
      if (e.exitCode() == ExitCode.USAGE) {
        err.print(USAGE);
      }
      return e.exitCode();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return ExitCode.INTERRUPTED;
    }
  }

  private static Args parse(List<String> rest, Set<String> valued, Set<String> flags) {
    Set<String> all = new HashSet<>(valued);
    all.addAll(COMMON);
    return Args.parse(rest, all, flags);
  }

  private int submit(Args args) throws InterruptedException {
    Api api = api(args);
    Watch watch = watcher(api, args); // its options are checked before anything is sent
    Submit submit = new Submit(api, out, err);
    Submit.Accepted accepted = submit.run(args);
    submit.print(accepted, args.flag("--quiet"), args.flag("--json"));
    if (!args.flag("--watch")) {
      return ExitCode.OK;
    }
    return watch.run(accepted.batch().path("id").asString());
  }

  private int watch(Args args) throws InterruptedException {
    return watcher(api(args), args).run(args.single("batch id"));
  }

  private Watch watcher(Api api, Args args) {
    Duration interval =
        args.value("--interval") == null
            ? Duration.ofSeconds(2)
            : Texts.parseDuration(args.value("--interval"), "--interval");
    Duration timeout =
        args.value("--timeout") == null
            ? null
            : Texts.parseDuration(args.value("--timeout"), "--timeout");
    return new Watch(api, out, err, tty, interval, timeout, Duration.ofMinutes(5));
  }

  private int results(Args args) throws InterruptedException {
    String batchId = args.single("batch id");
    Api api = api(args);
    JsonNode batch;
    if (args.flag("--wait")) {
      batch = watcher(api, args).follow(batchId, java.time.Instant.now());
    } else {
      batch = api.get("/v1/batches/" + batchId);
    }
    int concurrency = 8;
    if (args.value("--concurrency") != null) {
      try {
        concurrency = Integer.parseInt(args.value("--concurrency"));
      } catch (NumberFormatException e) {
        concurrency = 0;
      }
      if (concurrency < 1 || concurrency > 64) {
        throw new CliFailure(ExitCode.USAGE, "--concurrency must be between 1 and 64");
      }
    }
    Path dir = Path.of(args.value("--out") == null ? "results" : args.value("--out"));
    if (!dir.isAbsolute()) {
      dir = workDir.resolve(dir);
    }
    return new Results(api, out, err).run(batchId, dir, concurrency, batch);
  }

  private int status(Args args) {
    Api api = api(args);
    JsonNode batch = api.get("/v1/batches/" + args.single("batch id"));
    if (args.flag("--json")) {
      out.println(batch.toString());
    } else {
      new BatchReport(api, out).print(batch);
    }
    return ExitCode.OK;
  }

  private int retry(Args args) throws InterruptedException {
    String batchId = args.single("batch id");
    Api api = api(args);
    ObjectNode body = null;
    if (args.value("--tier") != null || args.value("--states") != null) {
      body = Api.JSON.createObjectNode();
      if (args.value("--tier") != null) {
        body.put("tier", args.value("--tier"));
      }
      if (args.value("--states") != null) {
        var states = body.putArray("states");
        for (String s : args.value("--states").split("\\s*,\\s*")) {
          states.add(s.toUpperCase(java.util.Locale.ROOT));
        }
      }
    }
    JsonNode answer = api.post("/v1/batches/" + batchId + "/retry", body);
    out.printf(
        "%d items of batch %s run again (batch %s)%n",
        answer.path("retriedItems").asLong(),
        batchId,
        answer.path("batch").path("state").asString());
    return args.flag("--watch") ? watcher(api, args).run(batchId) : ExitCode.OK;
  }

  private int cancel(Args args) {
    String batchId = args.single("batch id");
    JsonNode answer = api(args).post("/v1/batches/" + batchId + "/cancel", null);
    out.printf(
        "Cancelled %d waiting items of batch %s; calls already in flight finish and keep their"
            + " result.%n",
        answer.path("cancelledItems").asLong(), batchId);
    return ExitCode.OK;
  }

  /** The api to talk to: flags, then the environment, then what {@code ./pipeline up} left. */
  private Api api(Args args) {
    String url = first(args.value("--url"), env.get("PIPELINE_URL"), local("api-url"));
    String key = first(args.value("--api-key"), env.get("PIPELINE_API_KEY"), local("api-key"));
    URI base;
    try {
      base = URI.create(url == null ? "http://localhost:8080" : url.strip());
      if (base.getScheme() == null || base.getHost() == null) {
        throw new IllegalArgumentException("no scheme or host");
      }
    } catch (IllegalArgumentException e) {
      throw new CliFailure(ExitCode.USAGE, "not a URL: " + url + " (e.g. http://localhost:8080)");
    }
    return new Api(base, key == null || key.isBlank() ? null : key.strip());
  }

  private String local(String name) {
    Path file = workDir.resolve(".local").resolve(name);
    try {
      return Files.isReadable(file) ? Files.readString(file).strip() : null;
    } catch (IOException e) {
      return null;
    }
  }

  private static String first(String... values) {
    for (String v : values) {
      if (v != null && !v.isBlank()) {
        return v;
      }
    }
    return null;
  }
}
