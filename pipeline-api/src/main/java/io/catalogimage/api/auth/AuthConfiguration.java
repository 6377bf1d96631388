package io.catalogimage.api.auth;

import io.catalogimage.common.id.TenantId;
import java.time.Clock;
import java.util.List;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.method.support.HandlerMethodArgumentResolver;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/** Wires authentication into Spring MVC and creates the bootstrap key. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(SecurityProperties.class)
class AuthConfiguration implements WebMvcConfigurer {

  private final Authentication authentication;
  private final CurrentTenant currentTenant;

  AuthConfiguration(Authentication authentication, CurrentTenant currentTenant) {
    this.authentication = authentication;
    this.currentTenant = currentTenant;
  }

  @Override
  public void addInterceptors(InterceptorRegistry registry) {
    registry.addInterceptor(authentication).addPathPatterns("/v1/**");
  }

  @Override
  public void addArgumentResolvers(List<HandlerMethodArgumentResolver> resolvers) {
    resolvers.add(currentTenant);
  }

  @Bean
  ApplicationRunner bootstrapKey(SecurityProperties props, ApiKeys keys, Clock clock) {
    return (ApplicationArguments args) -> {
      if (props.bootstrapKey() != null) {
        keys.ensure(TenantId.DEFAULT, props.bootstrapKey(), "bootstrap", clock.instant());
      }
    };
  }
}
