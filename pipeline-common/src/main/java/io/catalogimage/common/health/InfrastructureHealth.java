package io.catalogimage.common.health;

import io.catalogimage.common.storage.ObjectStore;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.core.KafkaAdmin;

/**
 * Health of the servers the apps depend on besides PostgreSQL (Spring's own {@code db}): the object
 * store ({@code storage}) and Kafka ({@code kafka}). Which of them decide readiness is each app's
 * {@code management.endpoint.health.group.readiness.include}. Providers are never here: a provider
 * outage is a metric and routing's business, not a reason to take pods out of service.
 */
@Configuration(proxyBeanMethods = false)
public class InfrastructureHealth {

  private static final Duration TIMEOUT = Duration.ofSeconds(3);

  @Bean
  HealthIndicator storage(ObjectStore store) {
    return () -> {
      try {
        store.checkReachable();
        return Health.up().build();
      } catch (RuntimeException e) {
        return Health.down().withDetail("error", e.getClass().getSimpleName()).build();
      }
    };
  }

  @Bean
  KafkaHealth kafka(KafkaAdmin admin) {
    return new KafkaHealth(admin);
  }

  /** Kafka answers a cluster description within the timeout. */
  static final class KafkaHealth implements HealthIndicator, DisposableBean {
    private final KafkaAdmin kafkaAdmin;
    private volatile Admin client;

    KafkaHealth(KafkaAdmin kafkaAdmin) {
      this.kafkaAdmin = kafkaAdmin;
    }

    @Override
    public Health health() {
      try {
        int brokers =
            client()
                .describeCluster()
                .nodes()
                .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                .size();
        return Health.up().withDetail("brokers", brokers).build();
      } catch (Exception e) {
        if (e instanceof InterruptedException) {
          Thread.currentThread().interrupt();
        }
        return Health.down().withDetail("error", e.getClass().getSimpleName()).build();
      }
    }

    private Admin client() {
      if (client == null) {
        synchronized (this) {
          if (client == null) {
            Map<String, Object> config = new HashMap<>(kafkaAdmin.getConfigurationProperties());
            config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) TIMEOUT.toMillis());
            config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) TIMEOUT.toMillis());
            client = Admin.create(config);
          }
        }
      }
      return client;
    }

    @Override
    public void destroy() {
      if (client != null) {
        client.close(Duration.ofSeconds(1));
      }
    }
  }
}
