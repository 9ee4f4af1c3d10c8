/**
 * The scaling chart of BENCHMARKS.md: deliveries per second, server CPU per delivery and p99
 * latency against the number of clients in one room, as an SVG with a logarithmic x axis.
 *
 * @module
 */

/** One point of the scaling series. */
export interface ScalingPoint {
  clients: number;
  deliveriesPerSecond: number;
  cpuMicrosPerDelivery: number;
  p99Ms: number;
}

const PANEL_WIDTH = 300;
const PANEL_HEIGHT = 220;
const MARGIN = { left: 64, right: 16, top: 32, bottom: 40 };

/** Draws the series as three side-by-side panels. */
export function scalingChart(points: ScalingPoint[]): string {
  const panels: [string, (p: ScalingPoint) => number, (v: number) => string][] = [
    ["deliveries per second", (p) => p.deliveriesPerSecond, (v) => formatCount(v)],
    ["server CPU per delivery (µs)", (p) => p.cpuMicrosPerDelivery, (v) => v.toFixed(2)],
    ["p99 latency (ms)", (p) => p.p99Ms, (v) => v.toFixed(v < 10 ? 1 : 0)],
  ];
  const width = panels.length * PANEL_WIDTH;
  const parts = panels.map(([title, value, label], i) =>
    panel(points, title, value, label, i * PANEL_WIDTH)
  );
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${PANEL_HEIGHT}" ` +
    `viewBox="0 0 ${width} ${PANEL_HEIGHT}" font-family="sans-serif" font-size="11">\n` +
    `<rect width="${width}" height="${PANEL_HEIGHT}" fill="white"/>\n${parts.join("\n")}\n</svg>\n`;
}

function panel(
  points: ScalingPoint[],
  title: string,
  value: (p: ScalingPoint) => number,
  label: (v: number) => string,
  x0: number,
): string {
  const innerW = PANEL_WIDTH - MARGIN.left - MARGIN.right;
  const innerH = PANEL_HEIGHT - MARGIN.top - MARGIN.bottom;
  const xs = points.map((p) => Math.log10(p.clients));
  const [xMin, xMax] = [Math.min(...xs), Math.max(...xs)];
  const yMax = Math.max(...points.map(value), 1e-9) * 1.15;
  const px = (clients: number) =>
    x0 + MARGIN.left +
    (xMax === xMin ? innerW / 2 : (Math.log10(clients) - xMin) / (xMax - xMin) * innerW);
  const py = (v: number) => MARGIN.top + innerH - v / yMax * innerH;
  const out: string[] = [];
  out.push(
    `<text x="${
      x0 + PANEL_WIDTH / 2
    }" y="16" text-anchor="middle" font-weight="bold">${title}</text>`,
  );
  out.push(
    `<line x1="${x0 + MARGIN.left}" y1="${MARGIN.top + innerH}" x2="${
      x0 + MARGIN.left + innerW
    }" ` +
      `y2="${MARGIN.top + innerH}" stroke="#444"/>`,
    `<line x1="${x0 + MARGIN.left}" y1="${MARGIN.top}" x2="${x0 + MARGIN.left}" y2="${
      MARGIN.top + innerH
    }" stroke="#444"/>`,
  );
  for (const fraction of [0, 0.5, 1]) {
    const v = yMax / 1.15 * fraction;
    out.push(
      `<text x="${x0 + MARGIN.left - 6}" y="${py(v) + 4}" text-anchor="end" fill="#444">${
        label(v)
      }</text>`,
      `<line x1="${x0 + MARGIN.left}" y1="${py(v)}" x2="${x0 + MARGIN.left + innerW}" y2="${
        py(v)
      }" stroke="#ddd"/>`,
    );
  }
  for (const p of points) {
    out.push(
      `<text x="${px(p.clients)}" y="${
        MARGIN.top + innerH + 16
      }" text-anchor="middle" fill="#444">${p.clients}</text>`,
    );
  }
  out.push(
    `<text x="${x0 + MARGIN.left + innerW / 2}" y="${
      PANEL_HEIGHT - 6
    }" text-anchor="middle" fill="#444">clients in the room</text>`,
  );
  const path = points.map((p) => `${px(p.clients).toFixed(1)},${py(value(p)).toFixed(1)}`).join(
    " ",
  );
  out.push(`<polyline points="${path}" fill="none" stroke="#1f6feb" stroke-width="2"/>`);
  for (const p of points) {
    out.push(
      `<circle cx="${px(p.clients).toFixed(1)}" cy="${
        py(value(p)).toFixed(1)
      }" r="3.5" fill="#1f6feb"/>`,
      `<text x="${px(p.clients).toFixed(1)}" y="${
        (py(value(p)) - 8).toFixed(1)
      }" text-anchor="middle">${label(value(p))}</text>`,
    );
  }
  return `<g>${out.join("\n")}</g>`;
}

function formatCount(value: number): string {
  if (value >= 1e6) return `${(value / 1e6).toFixed(2)}M`;
  if (value >= 1e3) return `${(value / 1e3).toFixed(0)}k`;
  return value.toFixed(0);
}
