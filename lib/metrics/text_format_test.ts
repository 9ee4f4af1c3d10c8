import assert from "node:assert/strict";
import {
  escapeHelp,
  escapeLabelValue,
  formatLabels,
  formatValue,
  headerLines,
  isLabelName,
  isMetricName,
  sampleLine,
} from "./text_format.ts";

Deno.test("help texts escape backslashes and line breaks, and nothing else", () => {
  assert.equal(escapeHelp('a "b" \\ c\nd'), 'a "b" \\\\ c\\nd');
  assert.equal(
    headerLines("x_total", "two\nlines", "counter"),
    [
      "# HELP x_total two\\nlines",
      "# TYPE x_total counter",
      "",
    ].join("\n"),
  );
});

Deno.test("label values escape backslashes, double quotes and line breaks", () => {
  assert.equal(escapeLabelValue('say "hi"\\\n'), 'say \\"hi\\"\\\\\\n');
  assert.equal(formatLabels(["a", "b"], ["1", 'x"y']), '{a="1",b="x\\"y"}');
  assert.equal(formatLabels([], []), "");
});

Deno.test("values are numbers, or +Inf, -Inf and NaN", () => {
  assert.equal(formatValue(3), "3");
  assert.equal(formatValue(0.25), "0.25");
  assert.equal(formatValue(1e-7), "1e-7");
  assert.equal(formatValue(Infinity), "+Inf");
  assert.equal(formatValue(-Infinity), "-Inf");
  assert.equal(formatValue(NaN), "NaN");
  assert.equal(sampleLine("up", ["wire"], ["json"], 2), 'up{wire="json"} 2\n');
  assert.equal(sampleLine("up", [], [], 1), "up 1\n");
});

Deno.test("metric and label names follow Prometheus's rules", () => {
  assert.ok(isMetricName("chat_users"));
  assert.ok(isMetricName("a:b"));
  assert.ok(!isMetricName("9lives"));
  assert.ok(!isMetricName("chat-users"));
  assert.ok(isLabelName("wire"));
  assert.ok(!isLabelName("__name"));
  assert.ok(!isLabelName("le"));
  assert.ok(!isLabelName("a:b"));
});
