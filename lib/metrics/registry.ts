/**
 * A registry of metrics (counters, gauges and histograms) and its scrape in the Prometheus text
 * format. Names are checked as they are registered: a counter's ends in `_total`, no other's
 * does, and a histogram's series take `_bucket`, `_sum` and `_count`.
 *
 * Every label takes its values from a fixed set given when the metric is registered, so that
 * no label ever carries what a client chose (a nickname, a message, an address): a value outside
 * the set is refused where it is used. Counting is a field added to, on an object made once
 * (`Family.with`), so that the hot paths pay nothing more.
 *
 * @module
 */

import type { Tally } from "../common/tally.ts";
import { formatValue, headerLines, isLabelName, isMetricName, sampleLine } from "./text_format.ts";

/** The labels of a metric and, for each, the only values it may take. */
export type LabelSets = Readonly<Record<string, readonly string[]>>;

/** A series' labels: each label's value. */
export type Labels = Readonly<Record<string, string>>;

/** A value read at scrape time (see `Registry.collect`), with its labels. */
export interface Sample {
  /** Its labels; none when the metric has none. */
  labels?: Labels;
  /** Its value. */
  value: number;
}

/** A counter: a number that only goes up. */
export class Counter implements Tally {
  #value = 0;

  /** Its value. */
  get value(): number {
    return this.#value;
  }

  /** Adds `amount` (1 when not given); throws on a negative amount. */
  inc(amount = 1): void {
    if (amount < 0) throw new RangeError(`A counter cannot go down: got ${amount}`);
    this.#value += amount;
  }
}

/** A gauge: a number that goes up and down. */
export class Gauge {
  #value = 0;

  /** Its value. */
  get value(): number {
    return this.#value;
  }

  /** Sets it to `value`. */
  set(value: number): void {
    this.#value = value;
  }

  /** Adds `amount` (1 when not given). */
  inc(amount = 1): void {
    this.#value += amount;
  }

  /** Takes away `amount` (1 when not given). */
  dec(amount = 1): void {
    this.#value -= amount;
  }
}

/** A histogram: how many observations fell at or below each bound, their sum and count. */
export class Histogram {
  /** The buckets' upper bounds, ascending (`+Inf` is added in the scrape). */
  readonly bounds: readonly number[];
  /** Observations per bucket, not cumulated (the last: above every bound). */
  readonly #counts: number[];
  #sum = 0;
  #count = 0;

  /** A histogram with buckets up to each of `bounds` (ascending). */
  constructor(bounds: readonly number[]) {
    this.bounds = bounds;
    this.#counts = new Array(bounds.length + 1).fill(0);
  }

  /** Counts `value` in its bucket. */
  observe(value: number): void {
    let i = 0;
    while (i < this.bounds.length && value > this.bounds[i]) i++;
    this.#counts[i]++;
    this.#sum += value;
    this.#count++;
  }

  /** The sum of the observations. */
  get sum(): number {
    return this.#sum;
  }

  /** How many observations there were. */
  get count(): number {
    return this.#count;
  }

  /** How many observations were at or below each bound, then in all (`+Inf`). */
  cumulative(): number[] {
    let total = 0;
    return this.#counts.map((count) => total += count);
  }
}

/** What a registered metric is, as its `# TYPE` line says. */
export type MetricType = "counter" | "gauge" | "histogram";

/** One registered metric: it writes its lines at each scrape. */
export interface Metric {
  /** Its name. */
  readonly name: string;
  /** Its type. */
  readonly type: MetricType;
  /** Its lines in the text format. */
  render(): string;
}

/** Suffixes that only a counter (`_total`) or a histogram's series may end in. */
const RESERVED_SUFFIXES = ["_total", "_count", "_sum", "_bucket", "_created"];

/** A metric and its series, one per set of label values (made on first use). */
export class Family<C> implements Metric {
  /** Its name. */
  readonly name: string;
  /** What it measures. */
  readonly help: string;
  /** Its type. */
  readonly type: MetricType;
  readonly #names: readonly string[];
  readonly #allowed: ReadonlyMap<string, ReadonlySet<string>>;
  readonly #make: () => C;
  readonly #series = new Map<string, { values: string[]; child: C }>();

  /** A metric of `type` named `name`, its series made by `make`; see `Registry`. */
  constructor(name: string, help: string, type: MetricType, labels: LabelSets, make: () => C) {
    this.name = name;
    this.help = help;
    this.type = type;
    [this.#names, this.#allowed] = labelSpec(name, labels);
    this.#make = make;
  }

  /**
   * The series of `labels` (one value for each of the metric's labels, from its set), made the
   * first time it is asked for: keep it, and count on it.
   */
  with(labels: Labels = {}): C {
    const values = labelValues(this.name, this.#names, this.#allowed, labels);
    const key = values.join("\0");
    let series = this.#series.get(key);
    if (series === undefined) this.#series.set(key, series = { values, child: this.#make() });
    return series.child;
  }

  /** Its lines in the text format. */
  render(): string {
    let text = headerLines(this.name, this.help, this.type);
    for (const { values, child } of this.#series.values()) {
      if (child instanceof Histogram) text += histogramLines(this.name, this.#names, values, child);
      else text += sampleLine(this.name, this.#names, values, (child as Counter | Gauge).value);
    }
    return text;
  }
}

/** A metric read at scrape time. */
class Collected implements Metric {
  readonly name: string;
  readonly type: "counter" | "gauge";
  readonly #help: string;
  readonly #names: readonly string[];
  readonly #allowed: ReadonlyMap<string, ReadonlySet<string>>;
  readonly #read: () => number | Iterable<Sample>;

  constructor(
    name: string,
    help: string,
    type: "counter" | "gauge",
    labels: LabelSets,
    read: () => number | Iterable<Sample>,
  ) {
    this.name = name;
    this.#help = help;
    this.type = type;
    [this.#names, this.#allowed] = labelSpec(name, labels);
    this.#read = read;
  }

  render(): string {
    let text = headerLines(this.name, this.#help, this.type);
    const read = this.#read();
    const samples = typeof read === "number" ? [{ value: read }] : read;
    for (const { labels, value } of samples) {
      const values = labelValues(this.name, this.#names, this.#allowed, labels ?? {});
      text += sampleLine(this.name, this.#names, values, value);
    }
    return text;
  }
}

/** The names of `labels` and the values each may take, checked. */
function labelSpec(
  metric: string,
  labels: LabelSets,
): [string[], ReadonlyMap<string, ReadonlySet<string>>] {
  for (const [label, values] of Object.entries(labels)) {
    if (!isLabelName(label)) throw new Error(`Metric "${metric}": invalid label name "${label}"`);
    if (values.length === 0) throw new Error(`Metric "${metric}": label "${label}" has no values`);
  }
  const allowed = new Map(
    Object.entries(labels).map(([label, values]) => [label, new Set(values)]),
  );
  return [Object.keys(labels), allowed];
}

/** The values of `labels` in the order of `names`, each checked against its set. */
function labelValues(
  metric: string,
  names: readonly string[],
  allowed: ReadonlyMap<string, ReadonlySet<string>>,
  labels: Labels,
): string[] {
  const given = Object.keys(labels);
  if (given.length !== names.length || given.some((name) => !allowed.has(name))) {
    throw new Error(
      `Metric "${metric}" takes the labels "${names.join(",")}", got "${given.join(",")}"`,
    );
  }
  return names.map((name) => {
    const value = labels[name];
    if (!allowed.get(name)!.has(value)) {
      throw new Error(`Metric "${metric}": "${value}" is not a value of label "${name}"`);
    }
    return value;
  });
}

/** A histogram series' lines: its buckets, sum and count. */
function histogramLines(
  name: string,
  names: readonly string[],
  values: readonly string[],
  histogram: Histogram,
): string {
  const withLe = [...names, "le"];
  const counts = histogram.cumulative();
  let text = "";
  for (let i = 0; i < counts.length; i++) {
    const bound = i < histogram.bounds.length ? histogram.bounds[i] : Infinity;
    text += sampleLine(`${name}_bucket`, withLe, [...values, formatValue(bound)], counts[i]);
  }
  text += sampleLine(`${name}_sum`, names, values, histogram.sum);
  text += sampleLine(`${name}_count`, names, values, histogram.count);
  return text;
}

/** Every metric of a program, and its scrape. */
export class Registry {
  readonly #metrics: Metric[] = [];
  readonly #beforeScrape: (() => void)[] = [];

  /** Registers a counter; its name ends in `_total`. */
  counter(name: string, help: string, labels: LabelSets = {}): Family<Counter> {
    return this.#add(new Family(name, help, "counter", labels, () => new Counter()));
  }

  /** Registers a gauge. */
  gauge(name: string, help: string, labels: LabelSets = {}): Family<Gauge> {
    return this.#add(new Family(name, help, "gauge", labels, () => new Gauge()));
  }

  /** Registers a histogram with buckets up to each of `bounds` (ascending; `+Inf` is added). */
  histogram(
    name: string,
    help: string,
    bounds: readonly number[],
    labels: LabelSets = {},
  ): Family<Histogram> {
    if (bounds.length === 0 || bounds.some((b, i) => !Number.isFinite(b) || b <= bounds[i - 1])) {
      throw new Error(`Histogram "${name}": its bounds must be finite and ascending`);
    }
    return this.#add(new Family(name, help, "histogram", labels, () => new Histogram(bounds)));
  }

  /**
   * Registers a counter or gauge read at each scrape by `read` (a count kept elsewhere, or one
   * cheap to take then): one value, or a sample per set of label values.
   */
  collect(
    name: string,
    help: string,
    type: "counter" | "gauge",
    read: () => number | Iterable<Sample>,
    labels: LabelSets = {},
  ): void {
    this.#add(new Collected(name, help, type, labels, read));
  }

  /** Calls `action` at the start of each scrape (to take a snapshot that several metrics read). */
  beforeScrape(action: () => void): void {
    this.#beforeScrape.push(action);
  }

  /** Every metric, in the order registered, in the text format. */
  scrape(): string {
    for (const action of this.#beforeScrape) action();
    return this.#metrics.map((metric) => metric.render()).join("");
  }

  #add<M extends Metric>(metric: M): M {
    const { name, type } = metric;
    if (!isMetricName(name)) throw new Error(`Invalid metric name "${name}"`);
    if (this.#metrics.some((other) => other.name === name)) {
      throw new Error(`Metric "${name}" is registered already`);
    }
    if (type === "counter" && !name.endsWith("_total")) {
      throw new Error(`Counter "${name}" must end in _total`);
    }
    if (type !== "counter" && RESERVED_SUFFIXES.some((suffix) => name.endsWith(suffix))) {
      throw new Error(`Metric "${name}" may not end in ${RESERVED_SUFFIXES.join(", ")}`);
    }
    this.#metrics.push(metric);
    return metric;
  }
}
