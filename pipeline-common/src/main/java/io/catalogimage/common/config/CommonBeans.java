package io.catalogimage.common.config;

import io.catalogimage.common.catalog.CatalogProperties;
import io.catalogimage.common.catalog.Tiers;
import io.catalogimage.common.message.KafkaTopicsProperties;
import io.catalogimage.common.model.ModelCatalog;
import io.catalogimage.common.storage.ObjectStore;
import io.catalogimage.common.storage.ObjectStoreProperties;
import io.catalogimage.common.storage.S3ObjectStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.ResourceLoader;

/** Beans both applications need: the clock, the model catalog and tiers, the object store. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties({
  CatalogProperties.class,
  ObjectStoreProperties.class,
  KafkaTopicsProperties.class
})
public class CommonBeans {

  @Bean
  Clock clock() {
    return Clock.systemUTC();
  }

  @Bean
  ModelCatalog modelCatalog(CatalogProperties props, ResourceLoader resources) {
    try {
      return ModelCatalog.load(resources.getResource(props.modelsFile()).getInputStream());
    } catch (IOException e) {
      throw new UncheckedIOException(
          "pipeline.catalog.models-file: cannot read " + props.modelsFile(), e);
    }
  }

  @Bean
  Tiers tiers(CatalogProperties props, ModelCatalog catalog) {
    return new Tiers(props, catalog);
  }

  /** Closed with the context (S3ObjectStore is AutoCloseable). */
  @Bean
  ObjectStore objectStore(ObjectStoreProperties props) {
    return new S3ObjectStore(props);
  }
}
