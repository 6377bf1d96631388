package io.catalogimage.api.schedule;

import com.github.kagkarlsson.scheduler.Scheduler;
import com.github.kagkarlsson.scheduler.SchedulerClient;
import com.github.kagkarlsson.scheduler.SchedulerName;
import com.github.kagkarlsson.scheduler.task.CompletionHandler;
import com.github.kagkarlsson.scheduler.task.FailureHandler;
import com.github.kagkarlsson.scheduler.task.Task;
import com.github.kagkarlsson.scheduler.task.helper.Tasks;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.datasource.TransactionAwareDataSourceProxy;

/**
 * db-scheduler, declared by hand (its Boot starter does not engage on Boot 4): two tasks on the
 * {@code scheduled_tasks} table, each execution picked by exactly one api instance. {@code
 * schedule-fire} (one instance per schedule) starts the due run and reschedules itself to the next
 * firing; {@code schedule-run} (one instance per run) works the run, rescheduling itself while the
 * feed cannot be fetched. The client and the scheduler see the Spring transaction (a schedule and
 * its firing are committed together) and the application's clock (tests move it).
 */
@Configuration(proxyBeanMethods = false)
class ScheduleBeans {

  /** An unexpected failure (say the database gone) is retried after this long. */
  static final Duration RETRY_AFTER_FAILURE = Duration.ofMinutes(1);

  @Bean
  Task<Void> fireTask(FireSchedules fire) {
    return Tasks.custom(Runs.FIRE_TASK, Void.class)
        .onFailure(retryLater())
        .onDeadExecutionRevive()
        .execute(
            (instance, context) -> {
              Instant next =
                  fire.fire(
                      UUID.fromString(instance.getId()), context.getExecution().executionTime);
              return next == null
                  ? new CompletionHandler.OnCompleteRemove<>()
                  : (complete, operations) -> operations.reschedule(complete, next);
            });
  }

  @Bean
  Task<Void> runTask(WorkRuns work) {
    return Tasks.custom(Runs.RUN_TASK, Void.class)
        .onFailure(retryLater())
        .onDeadExecutionRevive()
        .execute(
            (instance, context) -> {
              WorkRuns.Attempt attempt = work.work(UUID.fromString(instance.getId()));
              return attempt.retryAt() == null
                  ? new CompletionHandler.OnCompleteRemove<>()
                  : (complete, operations) -> operations.reschedule(complete, attempt.retryAt());
            });
  }

  private static <T> FailureHandler<T> retryLater() {
    return (complete, operations) ->
        operations.reschedule(complete, complete.getTimeDone().plus(RETRY_AFTER_FAILURE));
  }

  @Bean
  SchedulerClient schedulerClient(DataSource dataSource, List<Task<?>> tasks, Clock clock) {
    return SchedulerClient.Builder.create(new TransactionAwareDataSourceProxy(dataSource), tasks)
        .build();
  }

  @Bean
  ScheduleRunner scheduleRunner(
      DataSource dataSource, List<Task<?>> tasks, Clock clock, ScheduleProperties props) {
    Scheduler scheduler =
        Scheduler.create(new TransactionAwareDataSourceProxy(dataSource), tasks)
            .clock(clock::instant)
            .pollingInterval(props.pollInterval())
            .heartbeatInterval(props.heartbeatInterval())
            .missedHeartbeatsLimit(6)
            .threads(props.threads())
            .schedulerName(new SchedulerName.Hostname())
            .enableImmediateExecution()
            .shutdownMaxWait(Duration.ofSeconds(10))
            .build();
    return new ScheduleRunner(scheduler, props.enabled());
  }

  /** Starts db-scheduler with the application and stops it before the data source closes. */
  static final class ScheduleRunner implements SmartLifecycle {
    private final Scheduler scheduler;
    private final boolean enabled;
    private volatile boolean running;

    ScheduleRunner(Scheduler scheduler, boolean enabled) {
      this.scheduler = scheduler;
      this.enabled = enabled;
    }

    Scheduler scheduler() {
      return scheduler;
    }

    @Override
    public void start() {
      if (enabled) {
        scheduler.start();
      }
      running = true;
    }

    @Override
    public void stop() {
      if (enabled) {
        scheduler.stop();
      }
      running = false;
    }

    @Override
    public boolean isRunning() {
      return running;
    }
  }
}
