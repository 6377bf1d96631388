package io.catalogimage.api.auth;

import io.catalogimage.api.problem.ProblemTypes;
import io.catalogimage.api.problem.ProblemWriter;
import io.catalogimage.common.id.TenantId;
import jakarta.servlet.DispatcherType;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpMethod;
import org.springframework.http.server.ServerHttpResponse;
import org.springframework.http.server.ServletServerHttpResponse;
import org.springframework.security.authentication.AuthenticationManager;
import org.springframework.security.authentication.ProviderManager;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configurers.AbstractHttpConfigurer;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.AuthenticationFilter;
import org.springframework.security.web.authentication.www.BasicAuthenticationFilter;
import org.springframework.security.web.csrf.CsrfFilter;
import org.springframework.security.web.firewall.HttpFirewall;
import org.springframework.security.web.firewall.RequestRejectedHandler;
import org.springframework.security.web.firewall.StrictHttpFirewall;
import org.springframework.security.web.header.writers.DelegatingRequestMatcherHeaderWriter;
import org.springframework.security.web.header.writers.StaticHeadersWriter;
import org.springframework.security.web.servlet.util.matcher.PathPatternRequestMatcher;
import org.springframework.web.cors.CorsConfiguration;
import org.springframework.web.cors.DefaultCorsProcessor;
import org.springframework.web.cors.UrlBasedCorsConfigurationSource;
import org.springframework.web.filter.CorsFilter;

/**
 * The one door every request goes through (docs/decisions.md): Spring Security's strict firewall,
 * then one filter chain that is closed unless a rule opens it. The rules are written against the
 * path as Spring MVC reads it (decoded, path parameters removed), so there is no second reading of
 * a path to slip between:
 *
 * <ul>
 *   <li>public: the OpenAPI document, Swagger UI, the health probes and the dashboard's static
 *       files (GET); the dashboard's data comes from the api with the tenant's key like any
 *       client's and its pages carry a strict Content-Security-Policy;
 *   <li>{@code /v1/admin/**} and {@code /actuator/**}: the admin token (role ADMIN);
 *   <li>everything else, including controllers added later: an API key (role TENANT), whose tenant
 *       the handler receives as its {@link TenantId} parameter.
 * </ul>
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(SecurityProperties.class)
class SecurityConfiguration {

  static final String[] PUBLIC_DOCS = {
    "/v3/api-docs", "/v3/api-docs/**", "/swagger-ui.html", "/swagger-ui/**"
  };
  static final String[] PUBLIC_PROBES = {
    "/actuator/health", "/actuator/health/liveness", "/actuator/health/readiness"
  };

  /** The dashboard's static page, script and style; nothing under it is data. */
  static final String[] PUBLIC_DASHBOARD = {"/dashboard", "/dashboard/", "/dashboard/*"};

  /**
   * The dashboard's scripts and styles come from its own files only (no inline script, nothing from
   * elsewhere) and it calls only this api: an injected string could not run even if it were ever
   * rendered as markup. Images are {@code blob:} URLs the page makes from image bytes it fetched
   * from this api with the key (the edit panel's versions), never addresses from elsewhere.
   */
  static final String DASHBOARD_CSP =
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:;"
          + " connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

  @Bean
  SecurityFilterChain api(
      HttpSecurity http,
      AuthenticationManager bearerTokens,
      SecurityProblems problems,
      FailedAuthentications failures,
      ClientAddresses clients,
      SecurityProperties props)
      throws Exception {
    AuthenticationFilter bearer =
        new AuthenticationFilter(bearerTokens, new BearerTokenConverter());
    bearer.setSuccessHandler((request, response, authentication) -> {});
    bearer.setFailureHandler(problems);
    http.csrf(AbstractHttpConfigurer::disable) // bearer tokens only: no cookie a page could ride on
        .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
        .httpBasic(AbstractHttpConfigurer::disable)
        .formLogin(AbstractHttpConfigurer::disable)
        .logout(AbstractHttpConfigurer::disable)
        .requestCache(AbstractHttpConfigurer::disable)
        .cors(AbstractHttpConfigurer::disable)
        .exceptionHandling(e -> e.authenticationEntryPoint(problems).accessDeniedHandler(problems))
        .headers(
            h ->
                h.addHeaderWriter(
                    new DelegatingRequestMatcherHeaderWriter(
                        PathPatternRequestMatcher.withDefaults().matcher("/dashboard/**"),
                        new StaticHeadersWriter("Content-Security-Policy", DASHBOARD_CSP))))
        .addFilterBefore(
            new FailedAuthenticationLimit(failures, clients), BasicAuthenticationFilter.class)
        .addFilterAt(bearer, BasicAuthenticationFilter.class)
        .authorizeHttpRequests(
            rules ->
                rules
                    // an error page or an async dispatch renders a request already judged
                    .dispatcherTypeMatchers(DispatcherType.ERROR, DispatcherType.ASYNC)
                    .permitAll()
                    .requestMatchers(HttpMethod.GET, PUBLIC_DOCS)
                    .permitAll()
                    .requestMatchers(HttpMethod.GET, PUBLIC_PROBES)
                    .permitAll()
                    .requestMatchers(HttpMethod.GET, PUBLIC_DASHBOARD)
                    .permitAll()
                    .requestMatchers("/v1/admin", "/v1/admin/**", "/actuator", "/actuator/**")
                    .hasRole("ADMIN")
                    .anyRequest()
                    .hasRole("TENANT"));
    List<String> origins = props.cors().allowedOrigins();
    if (!origins.isEmpty()) {
      http.addFilterBefore(cors(origins), CsrfFilter.class);
    }
    return http.build();
  }

  /**
   * Cross-origin access for the configured origins only; without any, no CORS headers are ever sent
   * and browsers keep other sites' pages out.
   */
  private static CorsFilter cors(List<String> origins) {
    CorsConfiguration config = new CorsConfiguration();
    config.setAllowedOrigins(origins);
    config.setAllowedMethods(List.of("GET", "POST", "PUT", "DELETE"));
    config.setAllowedHeaders(List.of("Authorization", "Content-Type", "Idempotency-Key"));
    config.setExposedHeaders(
        List.of("Location", "Retry-After", "Idempotent-Replayed", "WWW-Authenticate"));
    config.setAllowCredentials(false);
    config.setMaxAge(3600L);
    UrlBasedCorsConfigurationSource source = new UrlBasedCorsConfigurationSource();
    source.registerCorsConfiguration("/**", config);
    CorsFilter filter = new CorsFilter(source);
    filter.setCorsProcessor(
        new DefaultCorsProcessor() {
          @Override
          protected void rejectRequest(ServerHttpResponse response) throws java.io.IOException {
            ProblemWriter.write(
                ((ServletServerHttpResponse) response).getServletResponse(),
                403,
                ProblemTypes.FORBIDDEN,
                "Forbidden",
                "cross-origin request from an origin that is not allowed"
                    + " (pipeline.security.cors.allowed-origins)",
                Map.of());
          }
        });
    return filter;
  }

  /** The API-key check first; a token of another shape goes to the admin token's check. */
  @Bean
  AuthenticationManager bearerTokens(ApiKeys keys, SecurityProperties props) {
    ProviderManager manager =
        new ProviderManager(
            new ApiKeyAuthenticationProvider(keys), new AdminTokenAuthenticationProvider(props));
    manager.setEraseCredentialsAfterAuthentication(true);
    return manager;
  }

  /**
   * Spring Security's strict firewall, as it comes: {@code ;}, encoded {@code /}, {@code .} and
   * {@code %}, {@code //}, {@code .} and {@code ..} segments, backslashes, control characters and
   * unusual methods are refused before any rule or controller sees the request.
   */
  @Bean
  HttpFirewall firewall() {
    return new StrictHttpFirewall();
  }

  /** Also the firewall's {@link RequestRejectedHandler}: the only bean of that type. */
  @Bean
  SecurityProblems securityProblems(FailedAuthentications failures, ClientAddresses clients) {
    return new SecurityProblems(failures, clients);
  }

  @Bean
  FailedAuthentications failedAuthentications(SecurityProperties props) {
    return new FailedAuthentications(props);
  }

  @Bean
  ClientAddresses clientAddresses(SecurityProperties props) {
    return new ClientAddresses(props.trustedProxies());
  }

  @Bean
  ApplicationRunner bootstrapKey(SecurityProperties props, ApiKeys keys, Clock clock) {
    return args -> {
      if (props.bootstrapKey() != null) {
        keys.ensure(TenantId.DEFAULT, props.bootstrapKey(), "bootstrap", clock.instant());
      }
    };
  }
}
