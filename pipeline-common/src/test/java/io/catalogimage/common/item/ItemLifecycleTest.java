package io.catalogimage.common.item;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.catalogimage.common.batch.BatchRepository;
import io.catalogimage.common.batch.BatchState;
import io.catalogimage.common.testing.TestDatabase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The lifecycle in one place: every move a statement makes is in the transition table, the database
 * holds the same table and refuses anything else, and no code outside the two repositories changes
 * an item's or a batch's state.
 */
class ItemLifecycleTest {

  private static JdbcClient jdbc;

  @BeforeAll
  static void database() {
    jdbc = TestDatabase.fresh();
  }

  @Test
  void every_move_the_repositories_make_is_in_the_table() {
    for (ItemMove move : ItemRepository.MOVES) {
      for (ItemState from : move.from()) {
        for (ItemState to : move.to()) {
          assertThat(from == to || from.canMoveTo(to)).as(move.what()).isTrue();
        }
      }
    }
    for (BatchRepository.Move move : BatchRepository.MOVES) {
      for (BatchState from : move.from()) {
        assertThat(from == move.to() || from.canMoveTo(move.to())).as(move.what()).isTrue();
      }
    }
  }

  @Test
  void a_move_the_table_refuses_cannot_even_be_declared() {
    assertThatThrownBy(
            () -> ItemMove.of("unsucceed", EnumSet.of(ItemState.SUCCEEDED), ItemState.FAILED))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("SUCCEEDED may not move to FAILED");
  }

  @Test
  void every_move_of_the_table_is_made_by_some_statement() {
    Map<ItemState, Set<ItemState>> made = new EnumMap<>(ItemState.class);
    for (ItemMove move : ItemRepository.MOVES) {
      for (ItemState from : move.from()) {
        made.computeIfAbsent(from, f -> EnumSet.noneOf(ItemState.class)).addAll(move.to());
      }
    }
    ItemState.moves()
        .forEach(
            (from, targets) ->
                assertThat(made.getOrDefault(from, Set.of()))
                    .as("moves from " + from + " that no statement makes (dead rows of the table)")
                    .containsAll(targets));
  }

  @Test
  void the_database_holds_the_same_tables_as_the_code() {
    Map<String, Set<String>> items = new java.util.TreeMap<>();
    ItemState.moves()
        .forEach(
            (from, to) ->
                items.put(
                    from.name(),
                    to.stream().map(Enum::name).collect(java.util.stream.Collectors.toSet())));
    items.values().removeIf(Set::isEmpty);
    assertThat(table("item_state_moves")).isEqualTo(items);

    Map<String, Set<String>> batches = new java.util.TreeMap<>();
    BatchState.moves()
        .forEach(
            (from, to) ->
                batches.put(
                    from.name(),
                    to.stream().map(Enum::name).collect(java.util.stream.Collectors.toSet())));
    assertThat(table("batch_state_moves")).isEqualTo(batches);
  }

  @Test
  void the_database_refuses_a_move_outside_the_table_and_a_move_without_a_new_version() {
    UUID item = Fixtures.item(jdbc, "SUCCEEDED");
    assertThatThrownBy(
            () ->
                jdbc.sql(
                        "UPDATE items SET state = 'FAILED', version = version + 1 WHERE item_id = :i")
                    .param("i", item)
                    .update())
        .hasMessageContaining("may not move from SUCCEEDED to FAILED");

    UUID waiting = Fixtures.item(jdbc, "QUEUED");
    assertThatThrownBy(
            () ->
                jdbc.sql("UPDATE items SET state = 'DISPATCHED' WHERE item_id = :i")
                    .param("i", waiting)
                    .update())
        .hasMessageContaining("without a new version");
    // changes that are not moves (a lease renewed, a note) pass untouched
    assertThat(
            jdbc.sql("UPDATE items SET note = 'x' WHERE item_id = :i").param("i", waiting).update())
        .isEqualTo(1);
  }

  /** State-changing SQL lives in the two repositories only. */
  @Test
  void no_code_outside_the_repositories_changes_a_state() throws IOException {
    Pattern update =
        Pattern.compile(
            "UPDATE\\s+(items|batches)\\b[^;\"]*?\\bSET\\b(.{0,400}?)\\bWHERE\\b",
            Pattern.DOTALL | Pattern.CASE_INSENSITIVE);
    Pattern setsState = Pattern.compile("(^|[\\s,])state\\s*=", Pattern.CASE_INSENSITIVE);
    List<String> offenders = new ArrayList<>();
    Path root = Path.of("..").toAbsolutePath().normalize();
    try (Stream<Path> files = Files.walk(root)) {
      for (Path file :
          files
              .filter(p -> p.toString().endsWith(".java"))
              .filter(p -> p.toString().contains("/src/main/java/"))
              .filter(p -> !p.toString().contains("/target/"))
              // the benchmarks stand in for a worker in bulk (a million items); the database's
              // transition table still refuses them any move a worker could not make
              .filter(p -> !p.toString().contains("/io/catalogimage/local/bench/"))
              .toList()) {
        String name = file.getFileName().toString();
        if (name.equals("ItemRepository.java") || name.equals("BatchRepository.java")) {
          continue;
        }
        String source = Files.readString(file).replace("\" + \"", "").replace("\"\n", "\n");
        Matcher m = update.matcher(source);
        while (m.find()) {
          if (setsState.matcher(m.group(2)).find()) {
            offenders.add(root.relativize(file) + ": UPDATE " + m.group(1));
          }
        }
      }
    }
    assertThat(offenders).as("state changes outside ItemRepository / BatchRepository").isEmpty();
  }

  private static Map<String, Set<String>> table(String name) {
    Map<String, Set<String>> out = new java.util.TreeMap<>();
    jdbc.sql("SELECT from_state, to_state FROM " + name)
        .query(
            (rs, i) -> {
              out.computeIfAbsent(rs.getString(1), k -> new java.util.TreeSet<>())
                  .add(rs.getString(2));
              return null;
            })
        .list();
    return out;
  }
}
