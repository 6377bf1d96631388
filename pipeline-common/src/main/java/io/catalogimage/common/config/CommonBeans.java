package io.catalogimage.common.config;

import io.catalogimage.common.batch.BatchRepository;
import io.catalogimage.common.budget.BudgetProperties;
import io.catalogimage.common.calendar.PeakCalendar;
import io.catalogimage.common.catalog.CatalogProperties;
import io.catalogimage.common.catalog.Tiers;
import io.catalogimage.common.edit.Conversations;
import io.catalogimage.common.health.InfrastructureHealth;
import io.catalogimage.common.item.ItemRepository;
import io.catalogimage.common.message.KafkaTopicsProperties;
import io.catalogimage.common.model.ModelCatalog;
import io.catalogimage.common.storage.ObjectStore;
import io.catalogimage.common.storage.ObjectStoreProperties;
import io.catalogimage.common.storage.S3ObjectStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.core.io.ResourceLoader;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Beans both applications need: the clock, the model catalog and tiers, the object store, the item
 * and batch repositories.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties({
  CatalogProperties.class,
  ObjectStoreProperties.class,
  KafkaTopicsProperties.class,
  PeakCalendar.class,
  BudgetProperties.class
})
@Import(InfrastructureHealth.class)
public class CommonBeans {

  /**
   * The system clock, shifted by {@code pipeline.clock.offset} when set: benchmarks and demos move
   * the pipeline and the simulator to the same moment (say just before midnight Pacific) together.
   */
  @Bean
  Clock clock(@Value("${pipeline.clock.offset:PT0S}") Duration offset) {
    return offset.isZero() ? Clock.systemUTC() : Clock.offset(Clock.systemUTC(), offset);
  }

  /** The model catalog; budgets for models it does not know fail start-up here. */
  @Bean
  ModelCatalog modelCatalog(
      CatalogProperties props, BudgetProperties budgets, ResourceLoader resources) {
    ModelCatalog catalog;
    try {
      catalog = ModelCatalog.load(resources.getResource(props.modelsFile()).getInputStream());
    } catch (IOException e) {
      throw new UncheckedIOException(
          "pipeline.catalog.models-file: cannot read " + props.modelsFile(), e);
    }
    budgets.requireKnownModels(id -> catalog.find(id).isPresent());
    return catalog;
  }

  @Bean
  Tiers tiers(CatalogProperties props, ModelCatalog catalog) {
    return new Tiers(props, catalog);
  }

  /** Every item state change, for both apps (one repository per aggregate). */
  @Bean
  ItemRepository itemRepository(JdbcClient jdbc) {
    return new ItemRepository(jdbc);
  }

  /** Provider batch jobs (the batch lane). */
  @Bean
  io.catalogimage.common.providerjob.ProviderJobRepository providerJobRepository(JdbcClient jdbc) {
    return new io.catalogimage.common.providerjob.ProviderJobRepository(jdbc);
  }

  /** Items' kept conversations (their image versions) and the edits asked of them. */
  @Bean
  Conversations conversations(JdbcClient jdbc) {
    return new Conversations(jdbc);
  }

  /** Every batch state change. */
  @Bean
  BatchRepository batchRepository(JdbcClient jdbc) {
    return new BatchRepository(jdbc);
  }

  /** Closed with the context (S3ObjectStore is AutoCloseable). */
  @Bean
  ObjectStore objectStore(ObjectStoreProperties props) {
    return new S3ObjectStore(props);
  }
}
