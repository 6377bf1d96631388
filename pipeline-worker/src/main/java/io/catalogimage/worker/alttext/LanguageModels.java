package io.catalogimage.worker.alttext;

import com.github.pemistahl.lingua.api.Language;
import com.github.pemistahl.lingua.api.LanguageDetector;
import com.github.pemistahl.lingua.api.LanguageDetectorBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URL;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;
import java.util.function.ToLongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which languages' full Lingua models a worker keeps, within a memory budget.
 *
 * <p>Lingua keeps every model it loads in static maps for the life of the JVM, and a language's
 * full models (n-grams of one to five letters, what makes it accurate on short texts) take 20-53 MB
 * of heap: a worker that met 15 Latin-script languages over its life would hold about 400 MB, an
 * OutOfMemoryError at {@code -Xmx512m}. So a language's full models are loaded (all at once, under
 * one lock) only while the languages already held and it fit the budget; a language unused for
 * {@code idle} is unloaded to make room. A check whose languages cannot all be held runs in
 * Lingua's low-accuracy mode (trigrams only: about 50 MB for every language together, measured): it
 * tells a sentence from English as well as the full models do, and close neighbours (Danish and
 * Bokmal, Czech and Slovak) less well, so the same text may be judged differently on a worker that
 * holds its languages and one that does not (docs/decisions.md, 2026-12-07).
 *
 * <p>Detections hold a read lock; unloading takes the write lock, so no detection ever reloads a
 * model behind the budget's back.
 */
public final class LanguageModels {

  private static final Logger log = LoggerFactory.getLogger(LanguageModels.class);

  /** Heap per byte of a model's JSON resource: 5.9-8.0 measured (Arabic, Hungarian, Dutch...). */
  static final long HEAP_PER_JSON_BYTE = 8;

  /** When a resource's size cannot be read: the largest language measured (Hungarian, 53 MB). */
  static final long UNKNOWN_LANGUAGE_BYTES = 56L << 20;

  private static final String[] MODEL_FILES = {
    "unigrams", "bigrams", "trigrams", "quadrigrams", "fivegrams"
  };

  private final long budgetBytes;
  private final Duration idle;
  private final Clock clock;
  private final ToLongFunction<Language> cost;
  private final ReentrantReadWriteLock inUse = new ReentrantReadWriteLock();
  private final Object admission = new Object();

  /** Held full models and when each was last asked for; changed under {@code admission}. */
  private final Map<Language, Instant> held =
      Collections.synchronizedMap(new EnumMap<>(Language.class));

  private final AtomicLong fullChecks = new AtomicLong();
  private final AtomicLong trigramChecks = new AtomicLong();
  private final AtomicBoolean warned = new AtomicBoolean();
  private final Map<String, LanguageDetector> detectors = lruOf(64);

  /**
   * @param budgetBytes heap the full models may take in all
   * @param idle a held language unused this long may be unloaded for another
   */
  public LanguageModels(long budgetBytes, Duration idle, Clock clock) {
    this(budgetBytes, idle, clock, memoized(LanguageModels::estimatedBytes));
  }

  /** No budget: every language's full models stay once used (tests of the checks alone). */
  public static LanguageModels unbounded() {
    return new LanguageModels(Long.MAX_VALUE / 2, Duration.ofDays(365), Clock.systemUTC());
  }

  LanguageModels(long budgetBytes, Duration idle, Clock clock, ToLongFunction<Language> cost) {
    this.budgetBytes = budgetBytes;
    this.idle = idle;
    this.clock = clock;
    this.cost = cost;
  }

  /**
   * Runs {@code detect} with a detector of {@code candidates} (two at least, as Lingua needs), full
   * models if they fit.
   */
  public <T> T detect(Set<Language> candidates, Function<LanguageDetector, T> detect) {
    if (candidates.size() < 2) {
      throw new IllegalArgumentException("a language detector needs two candidates at least");
    }
    boolean full = hold(candidates);
    inUse.readLock().lock();
    try {
      // held before the lock and only unloaded under the write lock: still held, unless unloaded
      // between the two (another check that found them idle), which the check below sees
      full = full && held.keySet().containsAll(candidates);
      (full ? fullChecks : trigramChecks).incrementAndGet();
      return detect.apply(detector(candidates, full));
    } finally {
      inUse.readLock().unlock();
    }
  }

  /** Estimated heap of the full models held now. */
  public long heldBytes() {
    synchronized (held) {
      long bytes = 0;
      for (Language l : held.keySet()) {
        bytes += cost.applyAsLong(l);
      }
      return bytes;
    }
  }

  public long fullChecks() {
    return fullChecks.get();
  }

  public long trigramChecks() {
    return trigramChecks.get();
  }

  /** The languages whose full models are held, for the log and tests. */
  public Set<Language> held() {
    synchronized (held) {
      return held.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(held.keySet()));
    }
  }

  /** True when every candidate's full models are held now (loaded here if they fit). */
  private boolean hold(Set<Language> candidates) {
    synchronized (admission) {
      Instant now = clock.instant();
      List<Language> missing = new ArrayList<>();
      long need = 0;
      for (Language l : candidates) {
        if (!held.containsKey(l)) {
          missing.add(l);
          need += cost.applyAsLong(l);
        }
      }
      if (!missing.isEmpty()) {
        if (heldBytes() + need > budgetBytes) {
          unloadIdle(candidates, heldBytes() + need - budgetBytes, now);
        }
        if (heldBytes() + need > budgetBytes) {
          if (warned.compareAndSet(false, true)) {
            log.warn(
                "language models: {} do not fit the budget of {} MB beside {} (held, used within"
                    + " {}); checking their texts with trigram models only. Raise"
                    + " pipeline.alt-text.language-model-memory (or the heap) for full accuracy;"
                    + " said once",
                missing,
                budgetBytes >> 20,
                held(),
                idle);
          }
          return false;
        }
        load(missing);
      }
      for (Language l : candidates) {
        held.put(l, now);
      }
      if (!missing.isEmpty()) {
        log.info(
            "language models: loaded {} (about {} MB); {} MB of {} held",
            missing,
            need >> 20,
            heldBytes() >> 20,
            budgetBytes >> 20);
      }
      return true;
    }
  }

  /**
   * Unloads held languages idle for {@code idle}, least recently used first, until {@code room}.
   */
  private void unloadIdle(Set<Language> keep, long room, Instant now) {
    List<Map.Entry<Language, Instant>> idleOnes = new ArrayList<>();
    synchronized (held) {
      for (Map.Entry<Language, Instant> e : held.entrySet()) {
        if (!keep.contains(e.getKey()) && !e.getValue().plus(idle).isAfter(now)) {
          idleOnes.add(Map.entry(e.getKey(), e.getValue()));
        }
      }
    }
    idleOnes.sort(Map.Entry.comparingByValue(Comparator.naturalOrder()));
    List<Language> victims = new ArrayList<>();
    long freed = 0;
    for (Map.Entry<Language, Instant> e : idleOnes) {
      if (freed >= room) {
        break;
      }
      victims.add(e.getKey());
      freed += cost.applyAsLong(e.getKey());
    }
    if (freed < room) {
      return; // not enough to gain: keep them, they may be asked for again
    }
    try {
      // checks take milliseconds: wait for the running ones, never for long
      if (!inUse.writeLock().tryLock(5, TimeUnit.SECONDS)) {
        return;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    try {
      for (Language victim : victims) {
        unload(victim);
        held.remove(victim);
      }
      log.info("language models: unloaded {} (unused for {})", victims, idle);
    } finally {
      inUse.writeLock().unlock();
    }
  }

  private LanguageDetector detector(Set<Language> candidates, boolean full) {
    String key = candidates + (full ? "" : " trigrams");
    synchronized (detectors) {
      return detectors.computeIfAbsent(
          key,
          k -> {
            LanguageDetectorBuilder b =
                LanguageDetectorBuilder.fromLanguages(candidates.toArray(new Language[0]));
            return (full ? b : b.withLowAccuracyMode()).build();
          });
    }
  }

  /**
   * Loads every model of {@code languages} now, in one go. Lingua needs two languages per detector:
   * a single missing one is loaded beside a held one (the other candidate), which is not reloaded.
   */
  private void load(List<Language> languages) {
    EnumSet<Language> set = EnumSet.copyOf(languages);
    if (set.size() < 2) {
      set.add(held().iterator().next());
    }
    LanguageDetectorBuilder.fromLanguages(set.toArray(new Language[0]))
        .withPreloadedLanguageModels()
        .build();
  }

  /**
   * Drops a language's models from Lingua's static maps. Lingua unloads whole detectors, of two
   * languages at least: the second is one not held, whose models (trigrams at most, from a
   * low-accuracy check) are reloaded when next needed.
   */
  private void unload(Language victim) {
    LanguageDetectorBuilder.fromLanguages(victim, spareFor(victim)).build().unloadLanguageModels();
  }

  /** A language other than {@code victim} that is not held. */
  private Language spareFor(Language victim) {
    for (Language l : Language.Companion.all()) {
      if (l != victim && !held.containsKey(l)) {
        return l;
      }
    }
    throw new IllegalStateException("every language is held");
  }

  /**
   * A language's full models' heap, from the size of its JSON resources in Lingua's jar; {@link
   * #UNKNOWN_LANGUAGE_BYTES} when they cannot be read.
   */
  static long estimatedBytes(Language language) {
    String iso = language.getIsoCode639_1().name().toLowerCase(Locale.ROOT);
    long json = 0;
    for (String file : MODEL_FILES) {
      URL url =
          LanguageDetector.class.getResource("/language-models/" + iso + "/" + file + ".json");
      if (url == null) {
        continue;
      }
      try {
        // the entry's size from the jar's directory (the JDK caches the open jar, as for Lingua)
        long size = url.openConnection().getContentLengthLong();
        if (size < 0) {
          return UNKNOWN_LANGUAGE_BYTES;
        }
        json += size;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return json == 0 ? UNKNOWN_LANGUAGE_BYTES : json * HEAP_PER_JSON_BYTE;
  }

  private static ToLongFunction<Language> memoized(ToLongFunction<Language> f) {
    Map<Language, Long> known = Collections.synchronizedMap(new EnumMap<>(Language.class));
    return l -> known.computeIfAbsent(l, f::applyAsLong);
  }

  private static <K, V> Map<K, V> lruOf(int max) {
    return new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
        return size() > max;
      }
    };
  }
}
