package io.catalogimage.api;

import io.catalogimage.common.id.TenantId;
import io.catalogimage.common.message.JobTopics;
import io.catalogimage.common.message.KafkaTopicsProperties;
import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import org.springdoc.core.utils.SpringDocUtils;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.core.KafkaAdmin;

/** Wiring that belongs to no single feature. */
@Configuration(proxyBeanMethods = false)
class ApiBeans {

  static {
    // the tenant comes from the API key, never from the request's parameters
    SpringDocUtils.getConfig().addRequestWrapperToIgnore(TenantId.class);
  }

  /**
   * The OpenAPI document's header and its security (springdoc derives the paths from the
   * controllers): every call sends {@code Authorization: Bearer <API key>}.
   */
  @Bean
  OpenAPI openApi() {
    return new OpenAPI()
        .components(
            new Components()
                .addSecuritySchemes(
                    "apiKey",
                    new SecurityScheme()
                        .type(SecurityScheme.Type.HTTP)
                        .scheme("bearer")
                        .description(
                            "An API key (cip_...) for /v1; the admin token for /v1/admin")))
        .addSecurityItem(new SecurityRequirement().addList("apiKey"))
        .info(
            new Info()
                .title("Catalog image pipeline API")
                .version("v1")
                .description(
                    "Submit a catalog, get a batch id at once (202), follow it to the end. Images"
                        + " and alt text land in object storage; errors are RFC 9457 problem"
                        + " details with a stable type per kind.\n\n"
                        + "Webhooks: a batch's callbackUrl (else the tenant's URL, PUT"
                        + " /v1/tenant/webhook) receives POSTs of {type, timestamp, data} for"
                        + " batch.completed, batch.failed, batch.at_risk, batch.fell_back (a"
                        + " provider batch job late at its latest safe moment: its items run in"
                        + " real time) and budget.threshold"
                        + " (and a schedule's schedule.run_completed, schedule.run_failed and"
                        + " schedule.run_held),"
                        + " signed as Standard Webhooks: headers webhook-id (deduplicate on it),"
                        + " webhook-timestamp and webhook-signature = v1,base64(HMAC-SHA256(key,"
                        + " id.timestamp.body)), the key being the base64 part of the secret"
                        + " whsec_... from GET /v1/tenant/webhook. Answer 2xx; anything else is"
                        + " retried for about a day."));
  }

  @Bean
  JobTopics jobTopics(KafkaAdmin admin, KafkaTopicsProperties props) {
    return new JobTopics(admin, props);
  }
}
