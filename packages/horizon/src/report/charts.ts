import type { DashboardSeriesPoint } from "./model.js";
import { escapeHtml, raw, type RawHtml } from "./html.js";

const WIDTH = 560;
const HEIGHT = 180;
const PAD = { left: 40, right: 10, top: 10, bottom: 28 };

/**
 * A bar chart as inline SVG (no scripts, no network: the page opens from
 * disk). Each bar carries a <title> so hovering shows the exact figure.
 */
export function barChart(points: readonly DashboardSeriesPoint[], label: string, unit: string): RawHtml {
  if (points.length === 0) return raw(`<p class="empty">No data for ${escapeHtml(label.toLowerCase())} yet.</p>`);
  const max = Math.max(...points.map((p) => p.value), 1);
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const slot = plotW / points.length;
  const barW = Math.max(1, Math.min(40, slot * 0.8));
  const bars = points
    .map((p, i) => {
      const h = (p.value / max) * plotH;
      const x = PAD.left + i * slot + (slot - barW) / 2;
      const y = PAD.top + plotH - h;
      return `<rect class="bar" x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${barW.toFixed(1)}" height="${h.toFixed(1)}"><title>${escapeHtml(p.date)}: ${escapeHtml(round(p.value))} ${escapeHtml(unit)}</title></rect>`;
    })
    .join("");
  const first = points[0]?.date ?? "";
  const last = points.at(-1)?.date ?? "";
  return raw(
    `<svg class="chart" role="img" aria-label="${escapeHtml(label)}" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="100%">` +
      axes(max, unit) +
      bars +
      `<text class="tick" x="${PAD.left}" y="${HEIGHT - 8}">${escapeHtml(first)}</text>` +
      `<text class="tick" x="${WIDTH - PAD.right}" y="${HEIGHT - 8}" text-anchor="end">${escapeHtml(last)}</text>` +
      `</svg>`,
  );
}

function axes(max: number, unit: string): string {
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  return (
    `<line class="axis" x1="${PAD.left}" y1="${PAD.top}" x2="${PAD.left}" y2="${PAD.top + plotH}"/>` +
    `<line class="axis" x1="${PAD.left}" y1="${PAD.top + plotH}" x2="${WIDTH - PAD.right}" y2="${PAD.top + plotH}"/>` +
    `<text class="tick" x="${PAD.left - 4}" y="${PAD.top + 8}" text-anchor="end">${escapeHtml(round(max))}</text>` +
    `<text class="tick" x="${PAD.left - 4}" y="${PAD.top + plotH}" text-anchor="end">0</text>` +
    `<text class="tick unit" x="${PAD.left + 4}" y="${PAD.top + 8}">${escapeHtml(unit)}</text>`
  );
}

function round(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}
