/**
 * The Prometheus text exposition format, version 0.0.4: how help texts, label values and sample
 * values are written, and a sample's line.
 *
 * @module
 */

/** The Content-Type of a scrape in this format. */
export const TEXT_FORMAT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** What a metric's name must look like. */
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
/** What a label's name must look like (and `__` starts only Prometheus's own). */
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Whether `name` may name a metric. */
export function isMetricName(name: string): boolean {
  return METRIC_NAME.test(name);
}

/** Whether `name` may name a label (`le` and `quantile` are the histograms' and summaries'). */
export function isLabelName(name: string): boolean {
  return LABEL_NAME.test(name) && !name.startsWith("__") && name !== "le" && name !== "quantile";
}

/** A help text as the `# HELP` line carries it: backslashes and line breaks escaped. */
export function escapeHelp(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

/** A label value as it goes between quotes: backslashes, quotes and line breaks escaped. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

/** A sample's value (or a bucket's bound): a number, `+Inf`, `-Inf` or `NaN`. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}

/** The `{name="value",...}` part of a sample, or nothing when it has no labels. */
export function formatLabels(names: readonly string[], values: readonly string[]): string {
  if (names.length === 0) return "";
  const pairs = names.map((name, i) => `${name}="${escapeLabelValue(values[i])}"`);
  return `{${pairs.join(",")}}`;
}

/** One sample's line, with its newline. */
export function sampleLine(
  name: string,
  names: readonly string[],
  values: readonly string[],
  value: number,
): string {
  return `${name}${formatLabels(names, values)} ${formatValue(value)}\n`;
}

/** The `# HELP` and `# TYPE` lines of a metric. */
export function headerLines(name: string, help: string, type: string): string {
  return `# HELP ${name} ${escapeHelp(help)}\n# TYPE ${name} ${type}\n`;
}
