package io.catalogimage.simulator.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** Immutable, order-preserving copies for the config records (Map.copyOf loses the order). */
final class Maps {
  private Maps() {}

  static <K, V> Map<K, V> copy(Map<K, V> map) {
    if (map == null || map.isEmpty()) {
      return Map.of();
    }
    return Collections.unmodifiableMap(new LinkedHashMap<>(map));
  }

  static <K, K2, V> Map<K, Map<K2, V>> copyNested(Map<K, Map<K2, V>> map) {
    if (map == null || map.isEmpty()) {
      return Map.of();
    }
    Map<K, Map<K2, V>> out = new LinkedHashMap<>();
    map.forEach((k, v) -> out.put(k, copy(v)));
    return Collections.unmodifiableMap(out);
  }
}
