package io.catalogimage.simulator.config;

import io.catalogimage.simulator.SimulatorConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * Standalone configuration: defaults, then the YAML file ({@code --config path} or {@code
 * SIM_CONFIG}), then environment variables ({@code SIM_PORT}, {@code SIM_HOST}, {@code
 * SIM_TIME_SCALE}, {@code SIM_SEED}, {@code SIM_API_KEYS=key=project,...}), then command-line flags
 * ({@code --port N}, {@code --host H}, {@code --time-scale X}, {@code --seed N}). Later sources
 * win.
 */
public final class ConfigLoader {
  private static final YAMLMapper YAML = YAMLMapper.builder().build();

  private ConfigLoader() {}

  /** Thrown for a bad flag, file or value; the message is meant for the operator. */
  public static final class ConfigException extends RuntimeException {
    public ConfigException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  public static SimulatorConfig load(String[] args, Map<String, String> env) {
    Map<String, String> flags = flags(args);
    // standalone, the simulator stands in for a real provider: real-size images unless told
    SimulatorConfig config = SimulatorConfig.defaults().withRealisticImages();
    String file = flags.getOrDefault("config", env.get("SIM_CONFIG"));
    if (file != null) {
      config = fromFile(Path.of(file), config);
    }
    try {
      config =
          overrides(
              config,
              env.get("SIM_PORT"),
              env.get("SIM_HOST"),
              env.get("SIM_TIME_SCALE"),
              env.get("SIM_SEED"));
      if (env.get("SIM_IMAGES") != null) {
        config = config.withImages(images(config, env.get("SIM_IMAGES")));
      }
      if (env.get("SIM_API_KEYS") != null) {
        config = config.withKeys(parseKeys(env.get("SIM_API_KEYS")));
      }
      config =
          overrides(
              config,
              flags.get("port"),
              flags.get("host"),
              flags.get("time-scale"),
              flags.get("seed"));
      if (flags.get("images") != null) {
        config = config.withImages(images(config, flags.get("images")));
      }
    } catch (IllegalArgumentException e) {
      throw new ConfigException(e.getMessage(), e);
    }
    return config;
  }

  public static SimulatorConfig fromFile(Path file, SimulatorConfig base) {
    try {
      return fromYaml(Files.readString(file), base);
    } catch (IOException e) {
      throw new ConfigException("cannot read config file " + file + ": " + e.getMessage(), e);
    } catch (ConfigException e) {
      throw new ConfigException(file + ": " + e.getMessage(), e);
    }
  }

  /** Overlays a YAML (or JSON, a subset of YAML) document on {@code base}. */
  public static SimulatorConfig fromYaml(String yaml, SimulatorConfig base) {
    JsonNode tree;
    try {
      tree = YAML.readTree(yaml);
    } catch (JacksonException e) {
      throw new ConfigException("not valid YAML: " + e.getOriginalMessage(), e);
    }
    try {
      return ConfigDocument.apply(tree, base);
    } catch (IllegalArgumentException | java.time.DateTimeException e) {
      throw new ConfigException(e.getMessage(), e);
    }
  }

  /** {@code "k1=projectA,k2=projectB"}; a key without "=project" belongs to project "default". */
  public static Map<String, String> parseKeys(String list) {
    Map<String, String> keys = new LinkedHashMap<>();
    for (String entry : list.split(",")) {
      if (entry.isBlank()) {
        continue;
      }
      int eq = entry.indexOf('=');
      String key = (eq < 0 ? entry : entry.substring(0, eq)).trim();
      String project = eq < 0 ? SimulatorConfig.DEFAULT_PROJECT : entry.substring(eq + 1).trim();
      keys.put(key, project);
    }
    if (keys.isEmpty()) {
      throw new IllegalArgumentException("SIM_API_KEYS has no key");
    }
    return keys;
  }

  private static SimulatorConfig overrides(
      SimulatorConfig c, String port, String host, String timeScale, String seed) {
    if (port != null) {
      c = c.withPort(Integer.parseInt(port.trim()));
    }
    if (host != null) {
      c = c.withHost(host.trim());
    }
    if (timeScale != null) {
      c = c.withTimeScale(Double.parseDouble(timeScale.trim()));
    }
    if (seed != null) {
      c = c.withSeed(Long.parseLong(seed.trim()));
    }
    return c;
  }

  private static ImageSettings images(SimulatorConfig c, String mode) {
    ImageSettings.Mode m;
    try {
      m = ImageSettings.Mode.parse(mode);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("images must be realistic or small: " + mode, e);
    }
    ImageSettings i = c.images();
    return new ImageSettings(m, i.pngBytesPerPixel(), i.jpegBytesPerPixel());
  }

  private static Map<String, String> flags(String[] args) {
    Map<String, String> flags = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (!a.startsWith("--")) {
        throw new ConfigException("unexpected argument: " + a + usage(), null);
      }
      String name = a.substring(2);
      String value;
      int eq = name.indexOf('=');
      if (eq >= 0) {
        value = name.substring(eq + 1);
        name = name.substring(0, eq);
      } else if (i + 1 < args.length) {
        value = args[++i];
      } else {
        throw new ConfigException("missing value for --" + name + usage(), null);
      }
      if (!Map.of("config", 1, "port", 1, "host", 1, "time-scale", 1, "seed", 1, "images", 1)
          .containsKey(name)) {
        throw new ConfigException("unknown flag --" + name + usage(), null);
      }
      flags.put(name, value);
    }
    return flags;
  }

  private static String usage() {
    return "\nusage: java -jar provider-simulator-exec.jar [--config file.yml] [--port N] [--host H]"
        + " [--time-scale X] [--seed N] [--images realistic|small]";
  }
}
