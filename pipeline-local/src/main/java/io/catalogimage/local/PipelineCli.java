package io.catalogimage.local;

import io.catalogimage.cli.MerchantCli;
import io.catalogimage.local.bench.Benchmarks;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/** {@code ./pipeline <command>}: the local mode's entry point. */
public final class PipelineCli {

  private PipelineCli() {}

  public static void main(String[] args) throws Exception {
    io.catalogimage.worker.WorkerApplication.useSharedAsyncPool();
    String command = args.length == 0 ? "help" : args[0];
    List<String> rest = Arrays.asList(args).subList(Math.min(1, args.length), args.length);
    int status =
        switch (command) {
          case "demo" -> rest.contains("schedule") ? new ScheduleDemo().run() : new Demo().run();
          case "up" -> new Up(rest).run();
          case "bench" -> Benchmarks.run(rest);
          case "submit", "watch", "results", "status", "retry", "cancel" -> merchant(args);
          default -> {
            System.out.println(
                """
                usage: ./pipeline <command>
                  demo   start everything locally, run the sample catalog end to end, print a summary
                         demo schedule: a nightly schedule over a sample feed, fired a minute after
                         start, then a second run after the feed changed (only the changes generated)
                  up     start everything locally and keep the api running (Ctrl-C stops it)
                         options: --port N (api, default 8080), --config FILE (your providers,
                         keys and budgets: see examples/pipeline.yml)
                  bench  run a benchmark (./pipeline bench for the list)
                """);
            System.out.print(MerchantCli.USAGE_SUMMARY);
            yield command.equals("help") ? 0 : 2;
          }
        };
    System.exit(status);
  }

  /** The merchant's client (pipeline-cli), for the api this or another machine runs. */
  private static int merchant(String[] args) {
    boolean tty = System.console() != null && !"dumb".equals(System.getenv("TERM"));
    return new MerchantCli(System.out, System.err, System.getenv(), Path.of(""), tty).run(args);
  }
}
