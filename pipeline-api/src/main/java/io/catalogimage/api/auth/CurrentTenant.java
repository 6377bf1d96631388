package io.catalogimage.api.auth;

import io.catalogimage.common.id.TenantId;
import org.springframework.core.MethodParameter;
import org.springframework.stereotype.Component;
import org.springframework.web.bind.support.WebDataBinderFactory;
import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.method.support.HandlerMethodArgumentResolver;
import org.springframework.web.method.support.ModelAndViewContainer;

/** Gives handler methods a {@link TenantId} parameter: the tenant of the request's API key. */
@Component
public class CurrentTenant implements HandlerMethodArgumentResolver {

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
    Object tenant = request.getAttribute(Authentication.TENANT, RequestAttributes.SCOPE_REQUEST);
    if (tenant == null) {
      throw new IllegalStateException("no authenticated tenant on " + parameter.getMethod());
    }
    return tenant;
  }
}
