package io.catalogimage.api;

import io.catalogimage.common.message.JobTopics;
import io.catalogimage.common.message.KafkaTopicsProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.core.KafkaAdmin;

/** Wiring that belongs to no single feature. */
@Configuration(proxyBeanMethods = false)
class ApiBeans {

  @Bean
  JobTopics jobTopics(KafkaAdmin admin, KafkaTopicsProperties props) {
    return new JobTopics(admin, props);
  }
}
