package io.catalogimage.local;

import io.catalogimage.local.bench.Benchmarks;
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
          default -> {
            System.out.println(
                """
                usage: ./pipeline <command>
                  demo   start everything locally, run the sample catalog end to end, print a summary
                         demo schedule: a nightly schedule over a sample feed, fired a minute after
                         start, then a second run after the feed changed (only the changes generated)
                  up     start everything locally and keep the api running (Ctrl-C stops it)
                         options: --port N (api, default 8080)
                  bench  run a benchmark (./pipeline bench for the list)
                """);
            yield command.equals("help") ? 0 : 2;
          }
        };
    System.exit(status);
  }
}
