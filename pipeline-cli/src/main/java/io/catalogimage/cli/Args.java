package io.catalogimage.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A command's arguments: positionals and {@code --option value} / {@code --option=value} / flags.
 * Options are declared, so a typo is a usage error instead of being ignored.
 */
final class Args {

  private final List<String> positionals = new ArrayList<>();
  private final Map<String, List<String>> options = new LinkedHashMap<>();

  private Args() {}

  /**
   * @param valued options that take a value (repeatable: every value kept)
   * @param flags options that take none
   */
  static Args parse(List<String> raw, Set<String> valued, Set<String> flags) {
    Args args = new Args();
    for (int i = 0; i < raw.size(); i++) {
      String a = raw.get(i);
      if (a.equals("--")) {
        args.positionals.addAll(raw.subList(i + 1, raw.size()));
        break;
      }
      if (a.startsWith("-") && a.length() > 1) {
        String name = a;
        String value = null;
        int eq = a.indexOf('=');
        if (a.startsWith("--") && eq > 0) {
          name = a.substring(0, eq);
          value = a.substring(eq + 1);
        }
        if (flags.contains(name)) {
          if (value != null) {
            throw new CliFailure(ExitCode.USAGE, name + " takes no value");
          }
          args.options.computeIfAbsent(name, k -> new ArrayList<>()).add("true");
        } else if (valued.contains(name)) {
          if (value == null) {
            if (i + 1 >= raw.size()) {
              throw new CliFailure(ExitCode.USAGE, name + " needs a value");
            }
            value = raw.get(++i);
          }
          args.options.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
        } else {
          throw new CliFailure(ExitCode.USAGE, "unknown option " + name);
        }
      } else {
        args.positionals.add(a);
      }
    }
    return args;
  }

  List<String> positionals() {
    return positionals;
  }

  /** The one positional a command takes (a batch id, a file). */
  String single(String what) {
    if (positionals.size() != 1) {
      throw new CliFailure(
          ExitCode.USAGE,
          positionals.isEmpty()
              ? "missing " + what
              : "one " + what + " expected, got " + positionals);
    }
    return positionals.get(0);
  }

  String value(String option) {
    List<String> values = options.get(option);
    return values == null ? null : values.get(values.size() - 1);
  }

  List<String> values(String option) {
    return options.getOrDefault(option, List.of());
  }

  boolean flag(String option) {
    return options.containsKey(option);
  }
}
