package io.catalogimage.worker;

import io.catalogimage.common.json.Json;
import io.catalogimage.common.model.ModelCatalog;
import io.catalogimage.common.storage.ObjectStore;
import io.catalogimage.worker.consume.JobErrors;
import io.catalogimage.worker.provider.ModelTimeouts;
import io.catalogimage.worker.provider.ProviderProperties;
import io.catalogimage.worker.provider.Providers;
import io.catalogimage.worker.provider.TimeoutProperties;
import io.catalogimage.worker.result.ResultProperties;
import io.catalogimage.worker.result.ResultSpool;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;

/** The worker's executors and the wiring that belongs to no single feature. */
@Configuration(proxyBeanMethods = false)
class WorkerBeans {

  /** Object storage and database work after a call: blocking, so off the HTTP client's threads. */
  @Bean(destroyMethod = "shutdown")
  ExecutorService workerIo(WorkerProperties props) {
    return Executors.newFixedThreadPool(props.ioThreads(), named("worker-io"));
  }

  /** Schedules retries (budget asks, PUTs and settles tried again): one thread, never blocked. */
  @Bean(destroyMethod = "shutdown")
  ScheduledExecutorService retryTimer() {
    ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, named("retry-timer"));
    timer.setRemoveOnCancelPolicy(true);
    return timer;
  }

  @Bean
  ModelTimeouts modelTimeouts(TimeoutProperties props) {
    return new ModelTimeouts(props);
  }

  /** Images the store's PUT hashes anyway are not hashed again for their sidecar. */
  @Bean
  ResultSpool resultSpool(ResultProperties props, ObjectStore store) {
    return new ResultSpool(props, store.payloadSha256UpTo());
  }

  /** The HTTP clients' own threads: parsing answers, never waiting. */
  @Bean(destroyMethod = "shutdown")
  ExecutorService providerHttp() {
    return Executors.newFixedThreadPool(4, named("provider-http"));
  }

  /**
   * Threads that read answers as they stream in and decode their images into the spool: blocking
   * reads, so not the HTTP client's threads. Few: answers waiting for a reader wait in their
   * socket, not in the heap.
   */
  @Bean(destroyMethod = "shutdown")
  ExecutorService providerRead() {
    return Executors.newFixedThreadPool(4, named("provider-read"));
  }

  @Bean
  Providers providers(
      ProviderProperties props,
      ModelCatalog catalog,
      @Qualifier("providerHttp") ExecutorService providerHttp,
      @Qualifier("providerRead") ExecutorService providerRead,
      ResultSpool spool) {
    return new Providers(props, catalog, Json.mapper(), providerHttp, providerRead, spool);
  }

  /**
   * Publishes records that cannot be processed to {@code <topic>.dlt}, same partition, with
   * diagnostic headers. The destination is named explicitly: Spring's default suffix is not ours.
   */
  @Bean
  DeadLetterPublishingRecoverer deadLetters(KafkaTemplate<Object, Object> template) {
    return JobErrors.deadLetters(template);
  }

  private static ThreadFactory named(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
