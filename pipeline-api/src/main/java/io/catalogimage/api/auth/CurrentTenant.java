package io.catalogimage.api.auth;

import io.catalogimage.api.problem.ApiProblem;
import io.catalogimage.api.problem.ProblemTypes;
import io.catalogimage.common.id.TenantId;
import java.util.List;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.MethodParameter;
import org.springframework.http.HttpStatus;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.web.bind.support.WebDataBinderFactory;
import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.method.support.HandlerMethodArgumentResolver;
import org.springframework.web.method.support.ModelAndViewContainer;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * Gives handler methods a {@link TenantId} parameter: the authenticated principal of the request
 * (its API key's tenant). The filter chain decided that the request may pass; this only hands the
 * controller whom it acts for, so every query a controller makes is visibly scoped by it.
 */
@Configuration(proxyBeanMethods = false)
class CurrentTenant implements WebMvcConfigurer, HandlerMethodArgumentResolver {

  @Override
  public void addArgumentResolvers(List<HandlerMethodArgumentResolver> resolvers) {
    resolvers.add(this);
  }

  @Override
  public boolean supportsParameter(MethodParameter parameter) {
    return parameter.getParameterType().equals(TenantId.class);
  }

  @Override
  public Object resolveArgument(
      MethodParameter parameter,
      ModelAndViewContainer mav,
      NativeWebRequest request,
      WebDataBinderFactory binders) {
    Authentication authentication = SecurityContextHolder.getContext().getAuthentication();
    if (authentication != null
        && authentication.isAuthenticated()
        && authentication.getPrincipal() instanceof TenantId tenant) {
      return tenant;
    }
    // only a rule opening a tenant's path to other credentials could get here: refuse, never guess
    throw new ApiProblem(
            HttpStatus.UNAUTHORIZED,
            ProblemTypes.UNAUTHENTICATED,
            "Unauthenticated",
            "this call acts for a tenant: send Authorization: Bearer <your API key>")
        .header("WWW-Authenticate", "Bearer");
  }
}
