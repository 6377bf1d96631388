package io.catalogimage.api.input;

import io.catalogimage.api.problem.ApiProblem;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.core.MethodParameter;
import org.springframework.stereotype.Component;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.HandlerInterceptor;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * A query parameter the call does not take, or one it takes once given twice, is a 400 on every
 * endpoint of ours. Spring ignores an unknown parameter and binds the first of two: a misspelt
 * {@code ?State=FAILED} listed every item instead of the failed ones, and {@code
 * ?limit=10&limit=500} answered with one of them, silently. The JSON bodies were made strict for
 * the same reason ({@link StrictJson}).
 */
@Component
class KnownQueryParameters implements HandlerInterceptor, WebMvcConfigurer {

  /** A handler's parameters: name, and whether it may be repeated. */
  private final Map<HandlerMethod, Map<String, Boolean>> taken = new ConcurrentHashMap<>();

  @Override
  public void addInterceptors(InterceptorRegistry registry) {
    registry.addInterceptor(this);
  }

  @Override
  public boolean preHandle(
      HttpServletRequest request, HttpServletResponse response, Object handler) {
    if (!(handler instanceof HandlerMethod method)
        || !method.getBeanType().getPackageName().startsWith("io.catalogimage.")
        || method.hasMethodAnnotation(ChecksItsOwnQuery.class)
        || request.getQueryString() == null) {
      return true;
    }
    Map<String, Boolean> known = taken.computeIfAbsent(method, KnownQueryParameters::parameters);
    if (known.containsKey(ANY)) {
      return true;
    }
    Map<String, Integer> given = given(request.getQueryString());
    for (Map.Entry<String, Integer> p : given.entrySet()) {
      String name = p.getKey();
      Boolean repeatable = known.get(name);
      if (repeatable == null) {
        throw ApiProblem.invalidParameter(
            name,
            "is not a parameter of this call"
                + (known.isEmpty()
                    ? " (it takes none)"
                    : "; it takes " + String.join(", ", new TreeSet<>(known.keySet()))));
      }
      if (!repeatable && p.getValue() > 1) {
        throw ApiProblem.invalidParameter(name, "may be given once");
      }
    }
    return true;
  }

  /** Stands for a {@code @RequestParam Map}: the handler takes every parameter. */
  private static final String ANY = "*";

  private static Map<String, Boolean> parameters(HandlerMethod method) {
    Map<String, Boolean> out = new HashMap<>();
    for (MethodParameter p : method.getMethodParameters()) {
      RequestParam param = p.getParameterAnnotation(RequestParam.class);
      if (param == null) {
        continue;
      }
      Class<?> type = p.getParameterType();
      String name =
          !param.name().isEmpty()
              ? param.name()
              : !param.value().isEmpty() ? param.value() : p.getParameterName();
      if (Map.class.isAssignableFrom(type)) {
        out.put(ANY, true);
      } else if (name != null) {
        out.put(name, type.isArray() || Collection.class.isAssignableFrom(type));
      }
    }
    return Map.copyOf(out);
  }

  /**
   * The names in the raw query and how often each comes (not the request's parameter map, which
   * would also hold, and read, a form body), decoded as StrictQueryFilter does, which has already
   * refused broken escapes.
   */
  private static Map<String, Integer> given(String query) {
    Map<String, Integer> names = new TreeMap<>();
    for (String pair : query.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String name = StrictQueryFilter.decode(eq < 0 ? pair : pair.substring(0, eq));
      names.merge(name, 1, Integer::sum);
    }
    return names;
  }
}
