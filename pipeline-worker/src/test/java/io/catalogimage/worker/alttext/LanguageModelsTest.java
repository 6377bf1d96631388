package io.catalogimage.worker.alttext;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.pemistahl.lingua.api.Language;
import com.github.pemistahl.lingua.api.LanguageDetector;
import com.github.pemistahl.lingua.api.LanguageDetectorBuilder;
import io.catalogimage.worker.testing.MovableClock;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A worker that meets many languages over its life keeps the full models of only as many as fit its
 * budget: Lingua's own maps (static, for the JVM's life) are read here to see what it really holds.
 */
class LanguageModelsTest {

  private static final String GERMAN = "Schwarzer Lederrucksack mit silbernen Reißverschlüssen";
  private static final String FRENCH = "Sac à dos en cuir noir avec fermetures éclair argentées";
  private static final String SPANISH = "Mochila de cuero negro con cremalleras plateadas";

  private final MovableClock clock = new MovableClock(Instant.parse("2026-12-07T20:00:00Z"));

  @BeforeEach
  @AfterEach
  void unloadEverything() {
    // Lingua's maps are static: start from none, and leave none to the next test
    for (Language l : Language.Companion.all()) {
      if (l != Language.ENGLISH) {
        LanguageDetectorBuilder.fromLanguages(Language.ENGLISH, l).build().unloadLanguageModels();
      }
    }
  }

  @Test
  void languagesBeyondTheBudgetAreCheckedWithTrigramsAndStillRecognised() {
    // each language counted as 10 units: English and German fit 25, French does not
    LanguageModels models = new LanguageModels(25, Duration.ofMinutes(10), clock, l -> 10);
    LanguageId id = new LanguageId(List.of("en"), models);

    assertThat(id.detect(GERMAN, List.of("de"))).isEqualTo(Language.GERMAN);
    assertThat(models.held()).containsExactlyInAnyOrder(Language.ENGLISH, Language.GERMAN);

    clock.advance(Duration.ofMinutes(5)); // German used recently: not given up for French
    assertThat(id.detect(FRENCH, List.of("fr"))).isEqualTo(Language.FRENCH);
    assertThat(models.held()).containsExactlyInAnyOrder(Language.ENGLISH, Language.GERMAN);
    assertThat(models.heldBytes()).isEqualTo(20);
    assertThat(models.fullChecks()).isEqualTo(1);
    assertThat(models.trigramChecks()).isEqualTo(1);
    assertThat(fullyLoaded()).doesNotContain(Language.FRENCH);
  }

  @Test
  void aLanguageUnusedForTheIdleTimeMakesRoomAndIsReallyUnloaded() {
    LanguageModels models = new LanguageModels(25, Duration.ofMinutes(10), clock, l -> 10);
    LanguageId id = new LanguageId(List.of("en"), models);
    assertThat(id.detect(GERMAN, List.of("de"))).isEqualTo(Language.GERMAN);
    assertThat(fullyLoaded()).contains(Language.GERMAN);

    clock.advance(Duration.ofMinutes(11));
    assertThat(id.detect(FRENCH, List.of("fr"))).isEqualTo(Language.FRENCH);

    assertThat(models.held()).containsExactlyInAnyOrder(Language.ENGLISH, Language.FRENCH);
    assertThat(models.fullChecks()).isEqualTo(2);
    assertThat(fullyLoaded()).contains(Language.FRENCH).doesNotContain(Language.GERMAN);
    // and German comes back when asked again later (French idle by then)
    clock.advance(Duration.ofMinutes(11));
    assertThat(id.detect(GERMAN, List.of("de"))).isEqualTo(Language.GERMAN);
    assertThat(fullyLoaded()).contains(Language.GERMAN).doesNotContain(Language.FRENCH);
  }

  @Test
  void aWorkerMeetingManyLanguagesHoldsNoMoreThanItsBudget() {
    // the real estimates (20-53 MB a language); 120 MB: English and two or three others
    long budget = 120L << 20;
    LanguageModels models = new LanguageModels(budget, Duration.ZERO, clock);
    LanguageId id = new LanguageId(List.of("en"), models);
    Map<String, String> texts =
        Map.of(
            "de", GERMAN,
            "fr", FRENCH,
            "es", SPANISH,
            "it", "Zaino in pelle nera con cerniere argentate su sfondo bianco",
            "nl", "Zwarte leren rugzak met zilveren ritsen op een witte achtergrond",
            "pl", "Czarny skórzany plecak ze srebrnymi zamkami na białym tle",
            "sv", "Svart ryggsäck i läder med silverfärgade dragkedjor mot vit bakgrund",
            "cs", "Černý kožený batoh se stříbrnými zipy na bílém pozadí",
            "hu", "Fekete bőr hátizsák ezüst cipzárakkal fehér háttér előtt",
            "pt", "Mochila de couro preto com zíperes prateados sobre fundo branco");
    for (Map.Entry<String, String> e : texts.entrySet()) {
      clock.advance(Duration.ofSeconds(1));
      Language expected = LanguageId.language(e.getKey()).orElseThrow();
      assertThat(id.detect(e.getValue(), List.of(e.getKey()))).as(e.getKey()).isEqualTo(expected);
      assertThat(models.heldBytes()).isLessThanOrEqualTo(budget);
      assertThat(fullyLoaded()).isSubsetOf(models.held());
    }
    assertThat(models.held()).hasSizeBetween(2, 4);
  }

  @Test
  void checksOnManyThreadsWhileLanguagesComeAndGoAreAllRight() throws Exception {
    // room for English and about two others, every language idle at once: loads and unloads
    // interleave with checks on eight threads
    long budget = 100L << 20;
    LanguageModels models = new LanguageModels(budget, Duration.ZERO, clock);
    LanguageId id = new LanguageId(List.of("en"), models);
    List<String[]> texts =
        List.of(
            new String[] {"de", GERMAN},
            new String[] {"fr", FRENCH},
            new String[] {"es", SPANISH},
            new String[] {"it", "Zaino in pelle nera con cerniere argentate su sfondo bianco"},
            new String[] {"nl", "Zwarte leren rugzak met zilveren ritsen op een witte achtergrond"},
            new String[] {"pl", "Czarny skórzany plecak ze srebrnymi zamkami na białym tle"});
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<String>> wrong = new ArrayList<>();
      for (int i = 0; i < 48; i++) {
        String[] t = texts.get(i % texts.size());
        wrong.add(
            pool.submit(
                () -> {
                  Language expected = LanguageId.language(t[0]).orElseThrow();
                  Language found = id.detect(t[1], List.of(t[0]));
                  return found == expected ? null : t[0] + " taken for " + found;
                }));
      }
      for (Future<String> f : wrong) {
        assertThat(f.get(60, TimeUnit.SECONDS)).isNull();
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(models.heldBytes()).isLessThanOrEqualTo(budget);
    assertThat(fullyLoaded()).isSubsetOf(models.held());
    assertThat(models.fullChecks() + models.trigramChecks()).isEqualTo(48);
  }

  @Test
  void aSmallHeapMeetingEveryLatinLanguageDoesNotRunOutOfMemory() throws Exception {
    // without the budget, full models of the 40-odd Latin-script languages take about 1 GB
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process p =
        new ProcessBuilder(
                java.toString(),
                "-Xmx256m",
                "-cp",
                System.getProperty("java.class.path"),
                EveryLanguage.class.getName())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as(out).isZero();
    assertThat(out).contains("checked").doesNotContain("OutOfMemoryError");
  }

  /**
   * Checks a text against every language Lingua knows, one after the other, on the default budget.
   */
  static final class EveryLanguage {
    public static void main(String[] args) {
      LanguageModels models =
          new LanguageModels(
              AltTextProperties.defaults().languageModelMemory().toBytes(),
              Duration.ZERO,
              Clock.systemUTC());
      int checked = 0;
      for (Language l : Language.Companion.all()) {
        if (l != Language.ENGLISH) {
          models.detect(
              EnumSet.of(Language.ENGLISH, l),
              d -> d.detectLanguageOf("Czarny plecak, sac à dos noir, schwarzer Rucksack"));
          checked++;
        }
      }
      System.out.printf(
          "checked %d languages, %d MB of full models held%n", checked, models.heldBytes() >> 20);
    }
  }

  @Test
  void everyLanguageHasAnEstimateInTheMeasuredRange() {
    long hungarian = LanguageModels.estimatedBytes(Language.HUNGARIAN);
    long english = LanguageModels.estimatedBytes(Language.ENGLISH);
    // measured with every model loaded: Hungarian 53 MB, English about 25 MB
    assertThat(hungarian).isBetween(50L << 20, 64L << 20);
    assertThat(english).isBetween(20L << 20, 32L << 20);
    assertThat(LanguageModels.estimatedBytes(Language.JAPANESE)).isLessThan(1L << 20);
  }

  /** The languages whose five-letter models Lingua holds now, read from its static map. */
  @SuppressWarnings("unchecked")
  private static Set<Language> fullyLoaded() {
    try {
      Field f = LanguageDetector.class.getDeclaredField("fivegramLanguageModels");
      f.setAccessible(true);
      Map<Language, ?> map = (Map<Language, ?>) f.get(null);
      synchronized (map) {
        return map.isEmpty() ? Set.of() : EnumSet.copyOf(map.keySet());
      }
    } catch (ReflectiveOperationException e) {
      throw new AssertionError("Lingua's model maps moved: check LanguageModels against it", e);
    }
  }
}
